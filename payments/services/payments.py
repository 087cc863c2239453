"""Starting payments and applying the provider's true state to our records."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bookingtjeneste.providers import ProviderError

from ..locks import lock_payment_chain
from ..models import Order, Payment, Refund
from ..providers.base import ProviderState
from ..providers.console import SIMULATED_STATUS_KEY
from ..providers.registry import registry
from ..publish import payment_capture_later
from ..selectors import providers_offered, retention_date_for
from .notify import customer_notify_receipt
from .orders import order_get_or_create
from .receipts import receipt_issue
from .refunds import refund_create

logger = logging.getLogger(__name__)

# A second click on "pay" within this window reuses the open payment instead of a new one.
REUSE_OPEN_PAYMENT_WITHIN = timedelta(minutes=10)
SECURED = (Payment.Status.AUTHORIZED, Payment.Status.PAID)


class PaymentNotPossible(Exception):
    """The booking cannot be paid now (not awaiting payment, hold expired, provider not offered)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def payment_start(
    *, booking, provider_identifier: str, user, site_url: str | None = None
) -> Payment:
    """Create a payment for `booking` with the chosen provider and return it with its redirect URL.

    `site_url` is the origin the customer is browsing (the view passes the request's); the
    provider's return and cancel links point there. None: SITE_URL.
    Preconditions: `user` is the booking's customer (the view checks; checked again here), the
    booking awaits payment and its hold has not expired. Must NOT be called inside a
    transaction: the provider is called between two short transactions.
    Raises PaymentNotPossible, or ProviderError when the provider refuses or is unreachable.
    """
    from bookings.models import Booking

    if booking.customer_id != user.pk:
        raise PaymentNotPossible("not_found", "Not your booking.")
    if booking.status != Booking.Status.PENDING_PAYMENT:
        raise PaymentNotPossible("not_awaiting_payment", "The booking is not awaiting payment.")
    if booking.hold_expires_at and booking.hold_expires_at <= timezone.now():
        raise PaymentNotPossible("hold_expired", "The time reserved for payment has run out.")
    offered = {
        provider.choice_identifier: (provider, console)
        for provider, console in providers_offered(supplier=booking.supplier)
    }
    if provider_identifier not in offered:
        raise PaymentNotPossible("provider_not_offered", "This payment method is not offered.")
    provider, is_console = offered[provider_identifier]

    order = order_get_or_create(booking=booking)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.payments.filter(status__in=SECURED).exists():
            raise PaymentNotPossible("already_paid", "The booking is already paid.")
        reusable = (
            order.payments.filter(
                provider=provider_identifier,
                is_console=is_console,
                status=Payment.Status.PENDING,
                created_at__gte=timezone.now() - REUSE_OPEN_PAYMENT_WITHIN,
            )
            .exclude(redirect_url="")
            .first()
        )
        if reusable is not None:
            return reusable
        payment = Payment.objects.create(
            order=order,
            provider=provider_identifier,
            is_console=is_console,
            amount_ore=order.due_online_ore,
            retain_until=retention_date_for(),
        )

    try:
        redirect_url = provider.start_payment(
            payment, site_url=(site_url or settings.SITE_URL).rstrip("/")
        )
    except ProviderError as error:
        Payment.objects.filter(pk=payment.pk).update(
            status=Payment.Status.FAILED, failure_reason=str(error)[:255]
        )
        raise
    payment.redirect_url = redirect_url
    payment.status = Payment.Status.PENDING
    payment.save(
        update_fields=[
            "provider_reference",
            "provider_secondary_reference",
            "provider_data",
            "redirect_url",
            "status",
            "updated_at",
        ]
    )
    return payment


def payment_refresh(*, payment: Payment) -> Payment:
    """Fetch the payment's true state from its provider and act on it.

    Safe to call any number of times, in any order with webhooks: every decision is taken on
    the provider's current state under a row lock. Must NOT be called inside a transaction.
    """
    if not payment.provider_reference:
        return payment
    state = registry.for_payment(payment).refresh(payment)
    return payment_apply_state(payment=payment, state=state)


def _resolve_booking(*, payment: Payment, order: Order) -> str | None:
    """Confirm the booking for newly secured money; return a refund reason if it cannot be."""
    from bookings.exceptions import BookingError
    from bookings.models import Booking
    from bookings.services import booking_confirm_payment

    if order.payments.filter(status__in=SECURED).exclude(pk=payment.pk).exists():
        return Refund.Reason.DUPLICATE
    # Read by lock_payment_chain after the booking's row lock was taken: already current.
    booking = order.booking
    if booking is None:
        return Refund.Reason.SLOT_TAKEN
    if booking.status == Booking.Status.CONFIRMED:
        return None
    cancelled_by_someone = booking.status == Booking.Status.CANCELLED and booking.cancelled_by in (
        Booking.CancelledBy.CUSTOMER,
        Booking.CancelledBy.SUPPLIER,
    )
    if cancelled_by_someone:
        return (
            Refund.Reason.SUPPLIER_CANCELLED
            if booking.cancelled_by == Booking.CancelledBy.SUPPLIER
            else Refund.Reason.CUSTOMER_CANCELLED
        )
    try:
        # A savepoint: a refusal must not poison the surrounding transaction.
        with transaction.atomic():
            # The order keeps the confirmed booking: the receipt, its notice and the caller's
            # page read it from there.
            order.booking = booking_confirm_payment(booking=booking)
    except BookingError:
        # The hold expired and someone else took the slot (SlotUnavailable), or the booking can
        # no longer be confirmed at all: the customer gets the money back automatically.
        return Refund.Reason.SLOT_TAKEN
    return None


def payment_apply_state(*, payment: Payment, state: ProviderState) -> Payment:
    """Move our records to the provider's state: confirm, capture, receipt, or refund.

    Transitions only go forward: a late "failed" never undoes a payment the provider reports
    as paid, because `state` always comes from a fresh `refresh`, not from the event body.
    """
    capture_needed = False
    with transaction.atomic():
        order, payment = lock_payment_chain(payment.pk)
        was_secured = payment.status in SECURED
        was_paid = payment.status == Payment.Status.PAID
        payment.last_refreshed_at = timezone.now()
        payment.provider_data = {**payment.provider_data, "status": state.status}
        if state.secondary_reference:
            payment.provider_secondary_reference = state.secondary_reference

        if state.status == Payment.Status.PAID:
            payment.status = Payment.Status.PAID
            payment.captured_ore = min(
                max(state.captured_ore, payment.captured_ore), payment.amount_ore
            )
            payment.paid_at = payment.paid_at or timezone.now()
        elif state.status == Payment.Status.AUTHORIZED:
            if not was_secured:
                payment.status = Payment.Status.AUTHORIZED
        elif payment.status != Payment.Status.PAID and (
            not was_secured or state.status == Payment.Status.CANCELLED
        ):
            # Failed/expired/aborted only count for money never taken; a cancelled
            # authorisation (our own release of reserved money) ends an authorised payment.
            payment.status = state.status
            payment.failure_reason = state.failure_reason[:255]
        payment.save()

        refund_reason = None
        if payment.status in SECURED and not was_secured:
            refund_reason = _resolve_booking(payment=payment, order=order)
            if refund_reason is None:
                order.status = Order.Status.PAID
                order.paid_at = order.paid_at or timezone.now()
                order.save(update_fields=["status", "paid_at"])
                capture_needed = (
                    payment.status == Payment.Status.AUTHORIZED
                    and registry.for_payment(payment).needs_capture
                )
        elif payment.status == Payment.Status.AUTHORIZED and not payment.refunds.exists():
            # Still reserved from an earlier refresh whose capture did not go through.
            capture_needed = registry.for_payment(payment).needs_capture

        if payment.status == Payment.Status.PAID and not was_paid:
            receipt = receipt_issue(payment=payment)
            customer_notify_receipt(receipt=receipt)

        if refund_reason is not None:
            logger.info(
                "payment secured for a booking that cannot take it; refunding",
                extra={"payment": str(payment.public_id), "reason": refund_reason},
            )
            refund_create(payment=payment, amount_ore=None, reason=refund_reason)

        if capture_needed:
            payment_capture_later(payment.pk)
    return payment


def payment_capture(*, payment: Payment) -> Payment:
    """Capture a reserved (authorised) payment whose booking is confirmed, then refresh it.

    Must NOT be called inside a transaction. Idempotent: the capture request carries a fixed
    idempotency key and nothing happens unless the payment is still only authorised.
    """
    payment.refresh_from_db()
    if payment.status != Payment.Status.AUTHORIZED or payment.refunds.exists():
        return payment
    provider = registry.for_payment(payment)
    provider.capture(payment, payment.amount_ore)
    return payment_refresh(payment=payment)


def payment_console_simulate(*, payment: Payment, outcome: str) -> Payment:
    """Console mode only: record what the customer chose on the simulation page, then refresh.

    `outcome` is "paid", "failed" or "cancelled".
    """
    if not payment.is_console:
        raise PaymentNotPossible("not_console", "Only simulated payments can be simulated.")
    if outcome not in ("paid", "failed", "cancelled"):
        raise PaymentNotPossible("invalid_outcome", "Unknown outcome.")
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status in Payment.OPEN_STATUSES:
            locked.provider_data = {**locked.provider_data, SIMULATED_STATUS_KEY: outcome}
            locked.save(update_fields=["provider_data", "updated_at"])
    locked.refresh_from_db()
    return payment_refresh(payment=locked)
