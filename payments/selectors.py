"""Reads for payments: retention dates, what a supplier offers, what a user may see."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import supplier_scoped

from .models import Order, Payment, Receipt, Refund, SupplierPaymentSettings
from .providers.base import PaymentProvider
from .providers.registry import registry

# Bokføringsloven § 13: primary documentation is kept five years after the accounting year.
RETENTION_YEARS_AFTER_ACCOUNTING_YEAR = 5


def retention_date_for(moment: date | datetime | None = None) -> date:
    """31 December of the fifth year after the accounting (calendar) year of `moment`."""
    if moment is None:
        moment = timezone.now()
    if isinstance(moment, datetime):
        moment = timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()
    return date(moment.year + RETENTION_YEARS_AFTER_ACCOUNTING_YEAR, 12, 31)


def payment_settings_for(*, supplier) -> SupplierPaymentSettings:
    """The supplier's settings; an unsaved default (all providers, no late refund) if none."""
    found = SupplierPaymentSettings.objects.filter(supplier=supplier).first()
    return found or SupplierPaymentSettings(
        supplier=supplier, enabled_providers=registry.identifiers()
    )


def providers_offered(*, supplier) -> list[tuple[PaymentProvider, bool]]:
    """(provider, is_console) pairs the customer may choose, in the supplier's order."""
    offered = []
    for identifier in payment_settings_for(supplier=supplier).enabled_providers:
        usable = registry.usable(identifier)
        if usable:
            offered.append(usable)
    return offered


def checkout_origins_for(offered: list[tuple[PaymentProvider, bool]]) -> list[str]:
    """The checkout origins of the providers offered on a payment page (CSP form-action)."""
    return sorted(
        {origin for provider, _console in offered for origin in provider.checkout_origins()}
    )


def payment_start_url(booking, request: HttpRequest | None = None) -> str | None:
    """Absolute URL of the page where the customer pays `booking`; None when nothing is due.

    Built on the host the customer is using when there is a request (their session lives on
    that host, which need not be SITE_URL: `localhost`, another port); SITE_URL otherwise
    (e-mails, tasks). Installed in bookings' payment link hook, so this is what
    `bookings.selectors.booking_payment_url` returns.
    """
    if booking.status != booking.Status.PENDING_PAYMENT or not booking.service.payment_required:
        return None
    path = reverse("payments:choose", args=[booking.reference])
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL + path


def order_for_booking(*, booking) -> Order | None:
    return Order.objects.filter(booking=booking).first()


def refund_reserved_ore(*, payment: Payment) -> int:
    """Refunds of `payment` that are sent or about to be sent, not yet settled."""
    open_refunds = payment.refunds.filter(status__in=Refund.OPEN_STATUSES)
    return open_refunds.aggregate(total=Sum("amount_ore"))["total"] or 0


def payment_refundable_ore(*, payment: Payment) -> int:
    """What may still be refunded: taken or reserved money minus settled and open refunds."""
    if payment.status == Payment.Status.PAID:
        base = payment.captured_ore
    elif payment.status == Payment.Status.AUTHORIZED:
        base = payment.amount_ore
    else:
        return 0
    return max(base - payment.refunded_ore - refund_reserved_ore(payment=payment), 0)


def receipt_visible_to(*, receipt: Receipt, user) -> bool:
    if not user.is_authenticated:
        return False
    if receipt.order.customer_id == user.pk:
        return True
    return user.is_staff and supplier_scoped(Receipt.objects.filter(pk=receipt.pk), user).exists()


def receipts_for_period(*, date_from: date, date_to: date, supplier=None) -> QuerySet[Receipt]:
    """Receipts issued from `date_from` to `date_to` inclusive (local dates), by number."""
    receipts = Receipt.objects.filter(
        issued_at__date__gte=date_from, issued_at__date__lte=date_to
    ).select_related("supplier")
    if supplier is not None:
        receipts = receipts.filter(supplier=supplier)
    return receipts.order_by("supplier_id", "number")


def payments_needing_refresh(*, older_than: timedelta = timedelta(minutes=5)):
    """Open payments nobody has heard about for a while (a lost webhook, a closed browser)."""
    cutoff = timezone.now() - older_than
    return (
        Payment.objects.filter(status__in=Payment.OPEN_STATUSES, is_console=False)
        .exclude(provider_reference="")
        .filter(updated_at__lte=cutoff, created_at__gte=timezone.now() - timedelta(days=2))
        .order_by("pk")
    )
