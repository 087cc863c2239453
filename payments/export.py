"""Finance export: receipts of a period as CSV for the bookkeeper (Excel-friendly, Norwegian)."""

from collections.abc import Iterable, Iterator

from django.utils import timezone

from bookingtjeneste.money import format_nok
from bookingtjeneste.spreadsheet import spreadsheet_csv

from .models import Receipt

HEADER = [
    "supplier_organisation_number",
    "supplier",
    "receipt_number",
    "kind",
    "issued_at",
    "booking_reference",
    "provider",
    "provider_reference",
    "corrects_receipt",
    "vat_rate",
    "amount_incl_vat",
    "vat",
    "amount_excl_vat",
]


def receipts_csv(receipts: Iterable[Receipt]) -> str:
    """One row per receipt line (each VAT rate separately), amounts in NOK with decimal comma."""
    return spreadsheet_csv(HEADER, _rows(receipts))


def _rows(receipts: Iterable[Receipt]) -> Iterator[list[object]]:
    for receipt in receipts:
        issued = timezone.localtime(receipt.issued_at).strftime("%Y-%m-%d %H:%M:%S")
        for line in receipt.lines:
            yield [
                receipt.seller_organisation_number,
                receipt.seller_name,
                receipt.number,
                receipt.kind,
                issued,
                receipt.booking_reference,
                receipt.provider,
                receipt.payment.provider_reference,
                receipt.corrects.number if receipt.corrects_id else "",
                str(line["vat_rate"]).replace(".", ","),
                format_nok(line["amount_ore"], unit=False).replace("\u00a0", ""),
                format_nok(line["vat_ore"], unit=False).replace("\u00a0", ""),
                format_nok(line["amount_ore"] - line["vat_ore"], unit=False).replace("\u00a0", ""),
            ]
