"""The Art. 30 record of processing activities as a table: one header row, then one row per
data category. The CSV and the PDF export both write exactly these rows, so they never drift."""

from .registry import registry

CONTROLLER = "Preferium AS (Bookingtjeneste.no)"

ART30_HEADER = [
    "category",
    "purpose",
    "legal_basis",
    "data_subjects",
    "data",
    "recipients",
    "retention",
    "controller",
]


def art30_records() -> list[dict]:
    """Every registered data category as a record dict (what the HTML page shows)."""
    return [category.as_record() for category in registry.all()]


def art30_rows(records: list[dict] | None = None) -> list[list[str]]:
    """The header row followed by one row of plain strings per data category."""
    if records is None:
        records = art30_records()
    rows = [list(ART30_HEADER)]
    for record in records:
        rows.append(
            [
                record["name"],
                record["purpose"],
                record["legal_basis"],
                record["subjects"],
                ", ".join(record["data"]),
                ", ".join(record["recipients"]),
                record["retention"],
                CONTROLLER,
            ]
        )
    return rows
