"""CSV files for people to open in a spreadsheet (Norwegian Excel first).

Semicolon-separated with a byte-order mark and CRLF: what Norwegian Excel opens correctly. Cells
that a spreadsheet would run as a formula (a customer named "=HYPERLINK(...)") are prefixed
with an apostrophe: exports carry text that customers typed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    """Negative amounts ("-125,00") stay numbers; only text is neutralised."""
    try:
        float(text.replace(",", ".").replace("\u00a0", ""))
    except ValueError:
        return False
    return True


def spreadsheet_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return buffer.getvalue()


def csv_attachment(content: str, *, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
