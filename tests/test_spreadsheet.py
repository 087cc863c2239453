"""CSV exports open safely in a spreadsheet: typed text never runs as a formula."""

import csv
import io

from bookingtjeneste.spreadsheet import spreadsheet_csv


def read(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))


def test_formulas_become_text_and_amounts_stay_numbers():
    rows = read(
        spreadsheet_csv(
            ["a", "b", "c", "d", "e"],
            [["=1+1", "+47 900 00 000", "-125,00", "@SUM(A1)", "-1 234,50"]],
        )
    )
    assert rows == [
        ["a", "b", "c", "d", "e"],
        ["'=1+1", "'+47 900 00 000", "-125,00", "'@SUM(A1)", "'-1 234,50"],
    ]


def test_none_is_empty_and_separators_are_quoted():
    rows = read(spreadsheet_csv(["x", "y"], [[None, "Kari; Nordmann\r\nline"]]))
    assert rows[1] == ["", "Kari; Nordmann\r\nline"]
