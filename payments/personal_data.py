"""The payments app's personal data, declared to privacy (discovered by PrivacyConfig.ready()):
orders, payments, refunds and receipts (accounting records under the Accounting Act), the rules
that strip them of the person when the law no longer needs it, payments as activity, and how
Stripe is told to forget a customer."""

import stripe
from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from privacy import hooks
from privacy.propagation import ProcessorRefused, ProcessorUnavailable, processor_eraser_register
from privacy.registry import (
    DataCategory,
    ErasureOutcome,
    FieldAction,
    Kept,
    Subject,
    registry,
    values_list_of_dicts,
)
from privacy.retention import RuleDefinition, in_pk_batches, retention_rule_register

from .models import Order, Payment, Receipt, Refund

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
        if subject.user is None:
            return Order.objects.none()
        return Order.objects.filter(customer=subject.user)

    def export(self, subject: Subject) -> dict:
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
        from .services.privacy import payment_data_anonymise_for_user

        kept = self.kept(subject)  # before the orders lose their link to the account
        count = payment_data_anonymise_for_user(user=subject.user)
        return ErasureOutcome(anonymised=count, kept=kept if count else [])


registry.register(PaymentsCategory)


# --- Retention rules ---------------------------------------------------------------------------


def _payment_holds(cutoff, as_of, dry_run) -> int:
    # Never paid: nothing the Accounting Act needs; the booking hold itself expired long ago.
    queryset = Order.objects.filter(
        created_at__lt=cutoff,
        status__in=[Order.Status.OPEN, Order.Status.CANCELLED],
        paid_at__isnull=True,
    ).exclude(customer_name="", customer_email="")
    return in_pk_batches(
        queryset, lambda qs: qs.update(customer_name="", customer_email=""), dry_run
    )


def _accounting_records(cutoff, as_of, dry_run) -> int:
    """Once a record's `retain_until` has passed nothing requires the link to a person any more:
    orders lose account, name and e-mail, payments their provider data and return URL, refunds
    their note and author. Amounts stay as anonymous statistics. Set-based, per table."""
    today = timezone.localdate(as_of)
    orders = Order.objects.filter(retain_until__lt=today).filter(
        ~Q(customer_name="") | ~Q(customer_email="") | Q(customer__isnull=False)
    )
    count = in_pk_batches(
        orders, lambda qs: qs.update(customer=None, customer_name="", customer_email=""), dry_run
    )
    payments = Payment.objects.filter(retain_until__lt=today).filter(
        ~Q(provider_data={}) | ~Q(redirect_url="")
    )
    count += in_pk_batches(
        payments, lambda qs: qs.update(provider_data={}, redirect_url=""), dry_run
    )
    refunds = Refund.objects.filter(retain_until__lt=today).filter(
        ~Q(note="") | Q(created_by__isnull=False)
    )
    count += in_pk_batches(refunds, lambda qs: qs.update(note="", created_by=None), dry_run)
    return count


retention_rule_register(
    RuleDefinition(
        "payment_holds_abandoned",
        "payments",
        _("Name and e-mail removed from orders never paid"),
        1,
        _payment_holds,
        order=10,
    )
)
retention_rule_register(
    RuleDefinition(
        "accounting_records",
        "payments",
        _("Accounting records anonymised after the Accounting Act period"),
        0,
        _accounting_records,
        order=140,
    )
)


# A payment by the person is activity (inactivity rules).
hooks.activity_sources.register(
    hooks.ActivitySource(
        rows=lambda user: Payment.objects.filter(order__customer=user), field="created_at"
    )
)


# --- Processor eraser ----------------------------------------------------------------------------


def _stripe(target: dict) -> dict:
    emails = target.get("emails", [])
    if not settings.STRIPE_SECRET_KEY:
        return {"console": True, "emails": len(emails)}
    base = {"api": settings.STRIPE_API_URL} if settings.STRIPE_API_URL else None
    client = stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses=base, max_network_retries=0
    )
    deleted = 0
    try:
        for email in emails:
            customers = client.v1.customers.list(params={"email": email, "limit": 100})
            for customer in customers.data:
                try:
                    client.v1.customers.delete(customer.id)
                    deleted += 1
                except stripe.InvalidRequestError as error:
                    if error.http_status != 404:
                        raise
    except (stripe.APIConnectionError, stripe.RateLimitError) as error:
        raise ProcessorUnavailable(f"stripe_{type(error).__name__}") from error
    except stripe.StripeError as error:
        if (error.http_status or 0) >= 500:
            raise ProcessorUnavailable(f"stripe_http_{error.http_status}") from error
        raise ProcessorRefused(f"stripe_http_{error.http_status}") from error
    return {"customers_deleted": deleted}


processor_eraser_register("stripe", _stripe)
