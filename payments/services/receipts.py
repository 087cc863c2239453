"""Receipts and credit notes with gapless numbers per supplier."""

from django.db import connections, router
from django.utils import timezone

from ..models import Order, Payment, Receipt, ReceiptCounter, Refund, SupplierPaymentSettings
from ..selectors import payment_settings_for, retention_date_for
from .orders import allocate, order_lines_as_dicts


def _next_receipt_number(supplier_id: int) -> int:
    """Take the supplier's next receipt number; call inside the transaction that saves it.

    One statement, UPDATE ... RETURNING: the increment locks the supplier's counter row until
    the caller's transaction ends, and a rollback undoes the increment with everything else,
    so numbers have no gaps and no duplicates. Take it last: other issuers for the supplier
    wait on the row from here to the commit.
    """
    table = ReceiptCounter._meta.db_table
    sql = (
        f"UPDATE {table} SET last_number = last_number + 1 "  # noqa: S608 (our own table name)
        "WHERE supplier_id = %s RETURNING last_number"
    )
    with connections[router.db_for_write(ReceiptCounter)].cursor() as cursor:
        cursor.execute(sql, [supplier_id])
        row = cursor.fetchone()
        if row is None:
            # The supplier's first receipt: create the row (a concurrent creator's insert wins
            # without an error), then increment it like any other time.
            ReceiptCounter.objects.bulk_create(
                [ReceiptCounter(supplier_id=supplier_id)], ignore_conflicts=True
            )
            cursor.execute(sql, [supplier_id])
            row = cursor.fetchone()
    return row[0]


def _payment_settings(supplier) -> SupplierPaymentSettings:
    """The supplier's payment settings: those the payment chain's lock read with the supplier
    (no query), else from the selector."""
    if type(supplier).payment_settings.is_cached(supplier):
        loaded = getattr(supplier, "payment_settings", None)  # None: the supplier has none
        if loaded is not None:
            return loaded
    return payment_settings_for(supplier=supplier)


def receipt_issue(*, payment: Payment, refund: Refund | None = None) -> Receipt:
    """Issue the sales receipt for a paid payment, or the credit note for a settled refund.

    Precondition: inside `transaction.atomic`, with the payment row locked. Idempotent: a
    payment has one sales receipt and a refund one credit note.
    """
    order: Order = payment.order
    if refund is None:
        existing = payment.receipts.filter(kind=Receipt.Kind.SALE).first()
        kind, amount, corrects = Receipt.Kind.SALE, payment.captured_ore, None
    else:
        existing = Receipt.objects.filter(refund=refund).first()
        kind, amount = Receipt.Kind.CREDIT, -refund.amount_ore
        corrects = payment.receipts.filter(kind=Receipt.Kind.SALE).first()
    if existing is not None:
        return existing
    supplier = order.supplier
    supplier_settings = _payment_settings(supplier)
    lines = allocate(amount, order_lines_as_dicts(order))
    if kind == Receipt.Kind.SALE and amount < order.total_ore:
        # Receipts are legal documents in both languages the site speaks.
        if amount == order.due_online_ore:
            suffix = "forskudd / deposit"
        else:
            suffix = "avbestillingsgebyr / cancellation fee"
        for line in lines:
            line["description"] = f"{line['description']} ({suffix})"
    booking = order.booking
    now = timezone.now()
    address = ", ".join(
        part
        for part in (supplier.address_line, f"{supplier.postal_code} {supplier.city}".strip())
        if part
    )
    receipt = Receipt(
        supplier=supplier,
        kind=kind,
        order=order,
        payment=payment,
        refund=refund,
        corrects=corrects,
        issued_at=now,
        seller_name=supplier.name,
        seller_organisation_number=supplier.organisation_number,
        seller_address=address[:320],
        vat_registered=supplier_settings.vat_registered,
        provider=payment.provider,
        booking_reference=order.booking_reference,
        service_date=timezone.localdate(booking.start) if booking else None,
        lines=lines,
        total_ore=amount,
        vat_ore=sum(line["vat_ore"] for line in lines),
        due_at_venue_ore=order.due_at_venue_ore if kind == Receipt.Kind.SALE else 0,
        footer=supplier_settings.receipt_footer,
        retain_until=retention_date_for(now),
        # Issued after the customer's erasure (a refund the worker settled later, a late
        # payment): born restricted like the rest of the order, never changed afterwards.
        restricted=order.restricted,
    )
    # Numbered only now, with everything else prepared: the counter row stays locked until
    # the caller commits.
    receipt.number = _next_receipt_number(supplier.pk)
    receipt.save(force_insert=True)
    return receipt
