"""The Art. 30 record as a PDF: the DPO downloads it from the admin, other staff cannot."""

import base64
import csv
import io
import re
import zlib
from datetime import datetime

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from accounts import roles
from accounts.tests.factories import StaffUserFactory
from privacy.art30 import ART30_HEADER, art30_rows
from privacy.art30_pdf import art30_pdf_render

pytestmark = pytest.mark.django_db
URL = "/admin/privacy/retentionrule/record-of-processing/"


def _pdf_text(pdf: bytes) -> bytes:
    """The page content streams, decoded: reportlab writes them ASCII85 + Flate compressed."""
    streams = re.findall(
        rb"/Filter \[ /ASCII85Decode /FlateDecode \][^>]*>>\s*stream\r?\n(.*?)endstream", pdf, re.S
    )
    return b"".join(zlib.decompress(base64.a85decode(s.strip(), adobe=True)) for s in streams)


def test_dpo_downloads_the_record_as_pdf(dpo_client):
    response = dpo_client.get(URL + "?format=pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="behandlingsprotokoll.pdf"'
    pdf = response.content
    assert pdf.startswith(b"%PDF-") and len(pdf) > 1000
    pages = len(re.findall(rb"/Type /Page\b(?!s)", pdf))
    assert pages >= 1
    text = _pdf_text(pdf)
    assert b"Behandlingsprotokoll" in text and b"Preferium AS" in text
    assert f"Side {pages} av {pages}".encode() in text
    # Every category of the CSV is a row in the PDF (non-ASCII letters are octal-escaped in
    # the stream, so compare the ASCII start of each name).
    for row in art30_rows()[1:]:
        assert re.match(r"[A-Za-z]+", row[0]).group().encode() in text


def test_the_page_links_to_the_pdf(dpo_client):
    assert b'href="?format=pdf"' in dpo_client.get(URL).content


def test_csv_and_pdf_share_the_rows(dpo_client):
    content = dpo_client.get(URL + "?format=csv").content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(content), delimiter=";")) == art30_rows()


def test_other_staff_get_no_pdf(client):
    staff = StaffUserFactory(role=roles.SUPPLIER_STAFF)
    TOTP.activate(staff, generate_totp_secret())
    client.force_login(staff)
    for export_format in ("csv", "pdf"):
        response = client.get(URL + f"?format={export_format}")
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:index")


def test_long_records_wrap_and_number_every_page():
    row = ["Kategori", "Formål " * 40, "Avtale", "customers", "a.B.c, " * 60, "", "→ 3 år", "X"]
    pdf = art30_pdf_render(
        [ART30_HEADER, *[row] * 12], generated_at=datetime(2026, 1, 2, 3, 4), controller="Org AS"
    )
    text = _pdf_text(pdf)
    pages = len(re.findall(rb"/Type /Page\b(?!s)", pdf))
    assert pages > 1
    assert all(f"Side {n} av {pages}".encode() in text for n in range(1, pages + 1))
    assert b"Generert: 02.01.2026 03:04" in text and b"Org AS" in text
    # Helvetica has no arrow glyph: it is spelled "->" (drawn as "-" then "> 3 år"), not "?".
    assert b"> 3 \\345r" in text and b"? 3 \\345r" not in text
