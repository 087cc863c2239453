"""Bokmål catalogues: nothing fuzzy (gettext silently ignores it), nothing left untranslated."""

import ast
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
# Each app's catalogue, and the project's own (templates/, settings).
CATALOGUES = [
    *sorted(ROOT.glob("*/locale/nb/LC_MESSAGES/django.po")),
    ROOT / "locale/nb/LC_MESSAGES/django.po",
]


def entries(path: Path) -> list[dict]:
    """The catalogue's entries: flags, msgid, msgstr (plural entries give msgid_plural too)."""
    found, entry, field = [], {"flags": set()}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if "msgid" in entry:
                found.append(entry)
            entry, field = {"flags": set()}, None
        elif line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[field] += ast.literal_eval(line)
        else:
            field, _, value = line.partition(" ")
            entry[field] = ast.literal_eval(value)
    return found


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: str(path.relative_to(ROOT)))
def test_nb_catalogue_has_no_fuzzy_or_missing_entries(path):
    problems = []
    with translation.override("nb"):
        for entry in entries(path):
            if not entry["msgid"] or "msgid_plural" in entry:
                continue
            if "fuzzy" in entry["flags"]:
                problems.append(f"fuzzy: {entry['msgid']!r}")
            elif not entry["msgstr"] and translation.gettext(entry["msgid"]) == entry["msgid"]:
                problems.append(f"untranslated: {entry['msgid']!r}")
    assert not problems, "\n".join(problems)
