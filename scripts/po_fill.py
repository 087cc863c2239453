"""Fill empty translations in a .po catalogue from a JSON file of {msgid: msgstr}.

    python scripts/po_fill.py bookings/locale/nb/LC_MESSAGES/django.po translations.json

Only untranslated, non-plural entries are touched; the fuzzy flag is removed where filled.
"""

import json
import re
import sys
from pathlib import Path


def _unquote(lines: list[str]) -> str:
    return "".join(json.loads(line) for line in lines)


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def fill(po_path: Path, translations: dict[str, str]) -> int:
    blocks = po_path.read_text(encoding="utf-8").split("\n\n")
    filled = 0
    for index, block in enumerate(blocks):
        match = re.search(r'^msgid (".*"(?:\n".*")*)\nmsgstr (".*"(?:\n".*")*)$', block, re.M)
        if not match:
            continue
        msgid = _unquote(match.group(1).split("\n"))
        msgstr = _unquote(match.group(2).split("\n"))
        if not msgid or msgstr or msgid not in translations:
            continue
        replacement = f"msgid {match.group(1)}\nmsgstr {_quote(translations[msgid])}"
        block = block[: match.start()] + replacement + block[match.end() :]
        block = re.sub(r"^#, fuzzy\n", "", block, flags=re.M)
        block = re.sub(r"^(#,.*), fuzzy", r"\1", block, flags=re.M)
        blocks[index] = block
        filled += 1
    po_path.write_text("\n\n".join(blocks), encoding="utf-8")
    return filled


if __name__ == "__main__":
    po, source = Path(sys.argv[1]), Path(sys.argv[2])
    count = fill(po, json.loads(source.read_text(encoding="utf-8")))
    print(f"{po}: {count} filled")
