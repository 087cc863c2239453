"""Bokmål catalogues: nothing fuzzy (gettext silently ignores it), nothing left untranslated,
and no string in the code that no catalogue translates."""

import ast
import shutil
import subprocess
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


# --- Every string the code marks for translation has a Bokmål translation --------------------
# Without makemessages, a string added to the code but never to a catalogue shows in English
# and no catalogue test notices. This finds the strings as makemessages would (templates through
# Django's templatize, then xgettext with Django's keywords) into a temporary file, and asks
# gettext for each one with Bokmål active. A msgid that is the same word in both languages
# ("Status", "SMS") passes when a catalogue carries it with a msgstr: someone decided.
SOURCE_DIRS = [
    "accounts",
    "bookings",
    "bookingtjeneste",
    "calendars",
    "notifications",
    "payments",
    "privacy",
    "templates",
]
KEYWORDS = [
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "_",
    "ngettext:1,2",
    "ngettext_lazy:1,2",
    "pgettext:1c,2",
    "pgettext_lazy:1c,2",
    "npgettext:1c,2,3",
    "npgettext_lazy:1c,2,3",
]


def _source_files(workdir: Path) -> list[Path]:
    from django.utils.translation.template import templatize

    files = []
    for directory in SOURCE_DIRS:
        for path in sorted((ROOT / directory).rglob("*")):
            parts = set(path.relative_to(ROOT).parts)
            if not path.is_file() or parts & {"tests", "migrations", "locale"}:
                continue
            if path.suffix == ".py":
                files.append(path)
            elif path.suffix in (".html", ".txt") and "templates" in parts:
                # The same conversion makemessages does before xgettext reads a template.
                converted = workdir / (str(path.relative_to(ROOT)).replace("/", "__") + ".py")
                source = path.read_text(encoding="utf-8")
                converted.write_text(templatize(source, origin=str(path)), encoding="utf-8")
                files.append(converted)
    return files


def _decided(msgid: str) -> bool:
    return any(
        entry["msgid"] == msgid and entry["msgstr"]
        for path in CATALOGUES
        for entry in entries(path)
    )


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs GNU gettext (as compilemessages)")
def test_every_string_in_the_code_has_a_bokmal_translation(tmp_path):
    template = tmp_path / "all.pot"
    subprocess.run(
        [
            "xgettext",
            "--language=Python",
            "--from-code=UTF-8",
            "--no-wrap",
            "--output",
            str(template),
            *[f"--keyword={keyword}" for keyword in KEYWORDS],
            *[str(path) for path in _source_files(tmp_path)],
        ],
        check=True,
    )
    missing = []
    with translation.override("nb"):
        for entry in entries(template):
            msgid, context = entry["msgid"], entry.get("msgctxt")
            if not msgid:
                continue
            if "msgid_plural" in entry:
                plural = entry["msgid_plural"]
                found = (
                    translation.npgettext(context, msgid, plural, 1)
                    if context
                    else translation.ngettext(msgid, plural, 1)
                )
            else:
                found = (
                    translation.pgettext(context, msgid) if context else translation.gettext(msgid)
                )
            if found == msgid and not _decided(msgid):
                missing.append(f"{context + ' | ' if context else ''}{msgid!r}")
    assert not missing, "No Bokmål translation for:\n" + "\n".join(missing)
