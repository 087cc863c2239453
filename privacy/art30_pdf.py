"""The Art. 30 record of processing activities as a PDF for Datatilsynet (A4 landscape).

Plain function over the same rows as the CSV export (privacy.art30.art30_rows), so the two
formats always list the same categories and columns.
"""

import io
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from .art30 import CONTROLLER

PAGE_SIZE = landscape(A4)
MARGIN = 15 * mm
# Relative column widths, in CSV column order; the free-text columns get the most room.
COLUMN_WEIGHTS = (11, 14, 12, 8, 20, 10, 15, 10)
# The built-in Helvetica only has the Windows-1252 glyphs; anything else would print as a box.
_REPLACEMENTS = str.maketrans({"→": "->", "←": "<-", "≥": ">=", "≤": "<="})


def _pdf_text(value: Any) -> str:
    """Cell text as Paragraph markup: escaped, and limited to what Helvetica can draw."""
    text = str(value).translate(_REPLACEMENTS)
    text = text.encode("cp1252", errors="replace").decode("cp1252")
    return escape(text)


class _NumberedCanvas(Canvas):
    """Writes "Side n av N" on every page: the total is only known after the last page, so
    each page is held back and drawn in save()."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self) -> None:  # overrides reportlab: each page is kept for save()
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont("Helvetica", 8)
            self.setFillColor(colors.grey)
            self.drawRightString(
                PAGE_SIZE[0] - MARGIN, MARGIN / 2, f"Side {self._pageNumber} av {total}"
            )
            super().showPage()
        super().save()


def art30_pdf_render(
    rows: list[list[str]], *, generated_at: datetime, controller: str = CONTROLLER
) -> bytes:
    """Render the record: `rows[0]` is the header (repeated on each page), the rest one row per
    data category. `generated_at` is printed as given, so pass local time."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE_SIZE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title="Behandlingsprotokoll",
        subject="Record of processing activities (GDPR Art. 30)",
        author=controller,
        creator=controller,
    )
    styles = getSampleStyleSheet()
    cell = ParagraphStyle("cell", parent=styles["BodyText"], fontSize=7.5, leading=9)
    head = ParagraphStyle("head", parent=cell, fontName="Helvetica-Bold")

    header, *body = rows
    # Paragraph cells are what make the text wrap inside the column instead of overflowing.
    data = [[Paragraph(_pdf_text(label.replace("_", " ").capitalize()), head) for label in header]]
    data += [[Paragraph(_pdf_text(value), cell) for value in row] for row in body]
    weight_sum = sum(COLUMN_WEIGHTS)
    widths = [doc.width * weight / weight_sum for weight in COLUMN_WEIGHTS]
    table = LongTable(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f7f7f7")]),
            ]
        )
    )
    story = [
        Paragraph("Behandlingsprotokoll", styles["Title"]),
        Paragraph("Record of processing activities (GDPR art. 30)", styles["Heading3"]),
        Paragraph(f"Behandlingsansvarlig: {_pdf_text(controller)}", styles["Normal"]),
        Paragraph(f"Generert: {generated_at:%d.%m.%Y %H:%M}", styles["Normal"]),
        Spacer(1, 5 * mm),
        table,
    ]
    doc.build(story, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()
