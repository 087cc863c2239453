"""What a customer's deletion request does to payment records (the payments data category in
personal_data.py calls it; records past their legal hold are anonymised by the retention rule
`accounting_records` there)."""

from django.db import transaction

from ..models import Order, Payment, Receipt, Refund, WebhookEvent
from ..providers.registry import registry


def payment_data_anonymise_for_user(*, user) -> int:
    """Strip what the Accounting Act does not require from `user`'s payment records.

    Orders lose the link to the account, the name and the e-mail; provider data the law does
    not need is erased; every order, payment, refund, receipt and webhook event is marked
    restricted, kept only for bookkeeping until its `retain_until` date. Amounts, VAT, dates,
    numbers and provider references stay (the law requires them; they identify no one once the
    account is gone). Returns the number of orders affected. Idempotent.
    """
    with transaction.atomic():
        orders = list(Order.objects.select_for_update().filter(customer=user).order_by("pk"))
        order_ids = [order.pk for order in orders]
        payments = Payment.objects.select_for_update().filter(order_id__in=order_ids).order_by("pk")
        for payment in payments:
            registry.for_payment(payment).erase_payment_data(payment)
            payment.restricted = True
            payment.redirect_url = ""
            payment.save(
                update_fields=["provider_data", "redirect_url", "restricted", "updated_at"]
            )
        Order.objects.filter(pk__in=order_ids).update(
            customer=None, customer_name="", customer_email="", restricted=True
        )
        Refund.objects.filter(payment__order_id__in=order_ids).update(
            restricted=True, note="", created_by=None
        )
        Receipt.objects.filter(order_id__in=order_ids).update(restricted=True)
        WebhookEvent.objects.filter(payment__order_id__in=order_ids).update(restricted=True)
    return len(order_ids)
