"""Orders, payments, refunds and receipts: accounting records under the Accounting Act."""

from django.db.models import Max
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from ..registry import (
    DataCategory,
    ErasureOutcome,
    FieldAction,
    Kept,
    Subject,
    values_list_of_dicts,
)

H, A = FieldAction.HOLD, FieldAction.ANONYMISE


class PaymentsCategory(DataCategory):
    key = "payments"
    name = _("Orders, payments and receipts")
    purpose = _("Taking payment, refunds and bookkeeping")
    legal_basis = _(
        "Contract (Art. 6(1)(b)); legal obligation (Art. 6(1)(c)): Bokføringsloven §§ 13–14"
    )
    retention = _(
        "Until 31 December of the fifth year after the accounting year, then anonymised; "
        "restricted from all other use once you ask for deletion"
    )
    recipients = ("Stripe", "Vipps", "Mollie")
    order = 25
    fields = {
        "payments.Order.customer": A,
        "payments.Order.customer_name": A,
        "payments.Order.customer_email": A,
        "payments.Order.booking_reference": H,
        "payments.Order.booking": H,
        "payments.Payment.provider_data": A,
        "payments.Payment.redirect_url": A,
        "payments.Payment.failure_reason": H,
        "payments.Payment.provider_reference": H,
        "payments.Payment.provider_secondary_reference": H,
        "payments.Refund.note": A,
        "payments.Refund.created_by": A,
        "payments.Refund.last_error": H,
        "payments.Refund.provider_reference": H,
        "payments.Receipt.booking_reference": H,
        "payments.Receipt.lines": H,
        "payments.WebhookEvent.event_id": H,
        "payments.WebhookEvent.error": H,
    }

    def _orders(self, subject: Subject):
        from payments.models import Order

        if subject.user is None:
            return Order.objects.none()
        return Order.objects.filter(customer=subject.user)

    def export(self, subject: Subject) -> dict:
        from payments.models import Payment, Receipt, Refund

        orders = self._orders(subject)
        order_ids = orders.values("pk")
        return {
            "orders": values_list_of_dicts(
                orders.order_by("pk"),
                [
                    "public_id",
                    "booking_reference",
                    "customer_name",
                    "customer_email",
                    "supplier__name",
                    "total_ore",
                    "vat_ore",
                    "due_online_ore",
                    "status",
                    "created_at",
                    "paid_at",
                    "retain_until",
                    "restricted",
                ],
            ),
            "payments": values_list_of_dicts(
                Payment.objects.filter(order__in=order_ids).order_by("pk"),
                [
                    "public_id",
                    "order__public_id",
                    "provider",
                    "provider_reference",
                    "amount_ore",
                    "captured_ore",
                    "refunded_ore",
                    "status",
                    "created_at",
                    "paid_at",
                    "retain_until",
                    "provider_data",
                ],
            ),
            "refunds": values_list_of_dicts(
                Refund.objects.filter(payment__order__in=order_ids).order_by("pk"),
                [
                    "public_id",
                    "amount_ore",
                    "reason",
                    "note",
                    "status",
                    "created_at",
                    "completed_at",
                    "retain_until",
                ],
            ),
            "receipts": values_list_of_dicts(
                Receipt.objects.filter(order__in=order_ids).order_by("pk"),
                [
                    "public_id",
                    "seller_name",
                    "number",
                    "kind",
                    "issued_at",
                    "booking_reference",
                    "total_ore",
                    "vat_ore",
                    "lines",
                    "retain_until",
                ],
            ),
        }

    def kept(self, subject: Subject) -> list[Kept]:
        orders = self._orders(subject)
        latest = orders.aggregate(last=Max("retain_until"))["last"]
        if not orders.exists():
            return []
        return [
            Kept(
                what=gettext_noop(
                    "Accounting records: orders with payments, refunds and receipts (amounts, "
                    "VAT, dates, receipt numbers, booking references), without name, e-mail or "
                    "account"
                ),
                reason=gettext_noop("Bokføringsloven (Norwegian Accounting Act) §§ 13–14"),
                until=latest,
            )
        ]

    def erase(self, subject: Subject) -> ErasureOutcome:
        if subject.user is None:
            return ErasureOutcome()
        from payments.services.privacy import payment_data_anonymise_for_user

        kept = self.kept(subject)  # before the orders lose their link to the account
        count = payment_data_anonymise_for_user(user=subject.user)
        return ErasureOutcome(anonymised=count, kept=kept if count else [])
