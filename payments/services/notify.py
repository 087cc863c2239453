"""Messages to the customer about money: payments announces the event with the e-mail it
calls for (bookingtjeneste.signals); notifications writes the outbox row in the same
transaction. Payments never imports notifications (they are siblings)."""

from django.conf import settings
from django.urls import reverse

from bookingtjeneste.money import format_nok, format_vat_rate
from bookingtjeneste.signals import receipt_issued, refund_succeeded

from ..models import Receipt, Refund


def customer_notify_receipt(*, receipt: Receipt) -> None:
    """Announce the receipt and its e-mail (call inside the transaction that issued it)."""
    order = receipt.order
    if order.customer is None:
        receipt_issued.send(sender=Receipt, receipt=receipt, notice=None)
        return
    notice = dict(
        template_key="receipt",
        idempotency_key=f"payments-receipt-{receipt.public_id}",
        recipient=order.customer,
        language=order.booking.language if order.booking else None,
        booking=order.booking,
        context={
            "receipt_number": receipt.number,
            "receipt_url": settings.SITE_URL
            + reverse("payments:receipt", args=[receipt.public_id]),
            "seller_name": receipt.seller_name,
            "seller_organisation_number": receipt.seller_organisation_number,
            "booking_reference": receipt.booking_reference,
            "issued_at": receipt.issued_at.isoformat(),
            "lines": [
                {
                    "description": line["description"],
                    "amount": format_nok(line["amount_ore"]),
                    "vat_rate": format_vat_rate(line["vat_rate"]),
                    "vat": format_nok(line["vat_ore"]),
                }
                for line in receipt.lines
            ],
            "total": format_nok(receipt.total_ore),
            "vat": format_nok(receipt.vat_ore),
            "vat_registered": receipt.vat_registered,
            "due_at_venue": format_nok(receipt.due_at_venue_ore)
            if receipt.due_at_venue_ore
            else "",
        },
    )
    receipt_issued.send(sender=Receipt, receipt=receipt, notice=notice)


def customer_notify_refund(*, refund: Refund) -> None:
    """Announce a succeeded refund and its "money on its way back" e-mail (inside the
    transaction that records it)."""
    order = refund.payment.order
    if order.customer is None:
        refund_succeeded.send(sender=Refund, refund=refund, notice=None)
        return
    notice = dict(
        template_key="payment_refunded",
        idempotency_key=f"payments-refund-{refund.public_id}",
        recipient=order.customer,
        language=order.booking.language if order.booking else None,
        booking=order.booking,
        context={
            "amount": format_nok(refund.amount_ore),
            "booking_reference": order.booking_reference,
            "supplier_name": order.supplier.name,
            "reason": refund.reason,
            "slot_taken": refund.reason == Refund.Reason.SLOT_TAKEN,
        },
    )
    refund_succeeded.send(sender=Refund, refund=refund, notice=notice)
