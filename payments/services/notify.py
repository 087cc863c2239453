"""Messages to the customer about money, sent through the notifications outbox."""

from django.conf import settings
from django.urls import reverse

from bookingtjeneste.money import format_nok

from ..models import Receipt, Refund


def _enqueue(**kwargs) -> None:
    # Imported here: notifications depends on bookings, and payments must load without it.
    from notifications.services import message_enqueue

    message_enqueue(channel="email", purpose="transactional", **kwargs)


def customer_notify_receipt(*, receipt: Receipt) -> None:
    """Queue the receipt e-mail (call inside the transaction that issued the receipt)."""
    order = receipt.order
    if order.customer is None:
        return
    _enqueue(
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
                    "vat_rate": line["vat_rate"],
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
            "currency": order.currency,
        },
    )


def customer_notify_refund(*, refund: Refund) -> None:
    """Queue the "money on its way back" e-mail once a refund has succeeded."""
    order = refund.payment.order
    if order.customer is None:
        return
    _enqueue(
        template_key="payment_refunded",
        idempotency_key=f"payments-refund-{refund.public_id}",
        recipient=order.customer,
        language=order.booking.language if order.booking else None,
        booking=order.booking,
        context={
            "amount": format_nok(refund.amount_ore),
            "currency": order.currency,
            "booking_reference": order.booking_reference,
            "supplier_name": order.supplier.name,
            "reason": refund.reason,
            "slot_taken": refund.reason == Refund.Reason.SLOT_TAKEN,
        },
    )
