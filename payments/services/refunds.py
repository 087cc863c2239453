"""Refunds: rows written in the caller's transaction, the provider called by a task after commit."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookingtjeneste.providers import ProviderError, TransientProviderError

from ..locks import lock_refund_chain
from ..models import Order, Payment, Refund
from ..providers.base import RefundResult
from ..providers.registry import registry
from ..publish import payment_refresh_later, refund_send_later
from ..selectors import payment_refundable_ore, payment_settings_for, retention_date_for
from .notify import customer_notify_refund
from .orders import order_extend_retention
from .receipts import receipt_issue

# Transient provider errors are retried with backoff this many times before a refund is failed.
MAX_REFUND_ATTEMPTS = 6


def refund_create(
    *,
    payment: Payment,
    amount_ore: int | None,
    reason: str,
    created_by=None,
    note: str = "",
) -> Refund:
    """Record a refund of `amount_ore` (None: everything still refundable) and send it after commit.

    Works inside or outside a surrounding transaction; locks the payment row so concurrent
    refunds can never exceed what was paid. Raises ValidationError for an impossible amount.
    """
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        refundable = payment_refundable_ore(payment=payment)
        amount = refundable if amount_ore is None else amount_ore
        if amount <= 0 or amount > refundable:
            raise ValidationError(
                _("You can refund at most %(amount)s øre of this payment.") % {"amount": refundable}
            )
        refund = Refund.objects.create(
            payment=payment,
            amount_ore=amount,
            reason=reason,
            note=note[:300],
            created_by=created_by,
            retain_until=retention_date_for(),
            # During or after an erasure (the booking is cancelled as part of it).
            restricted=payment.restricted or payment.order.restricted,
        )
        refund_send_later(refund.pk)
    return refund


def refunds_for_cancellation(*, booking, by_supplier: bool, within_deadline: bool) -> list[Refund]:
    """Create the refunds a cancelled booking is owed (the booking_cancelled receiver).

    Before the deadline or cancelled by the supplier: everything paid. After the deadline: the
    supplier's policy, no refund or the payment minus a fee. Precondition: inside the
    cancellation's transaction; the provider is only called after it commits.
    """
    order = Order.objects.select_for_update().filter(booking=booking).first()
    if order is None:
        return []
    policy = payment_settings_for(supplier=order.supplier)
    reason = Refund.Reason.SUPPLIER_CANCELLED if by_supplier else Refund.Reason.CUSTOMER_CANCELLED
    fee_left = 0
    if not (by_supplier or within_deadline):
        if policy.late_cancellation_policy == policy.LatePolicy.NO_REFUND:
            fee_left = None  # keep everything
        else:
            fee_left = policy.late_cancellation_fee_ore
    refunds = []
    secured = order.payments.filter(
        status__in=(Payment.Status.PAID, Payment.Status.AUTHORIZED)
    ).order_by("pk")
    for payment in secured:
        refundable = payment_refundable_ore(payment=payment)
        if fee_left is None or refundable <= 0:
            continue
        kept = min(fee_left, refundable)
        fee_left -= kept
        if refundable - kept > 0:
            refunds.append(
                refund_create(payment=payment, amount_ore=refundable - kept, reason=reason)
            )
    if not secured.exists():
        order.status = Order.Status.CANCELLED
        order.save(update_fields=["status"])
    return refunds


def _order_status_after_refunds(order: Order) -> str:
    payments = order.payments.filter(
        status__in=(Payment.Status.PAID, Payment.Status.AUTHORIZED, Payment.Status.CANCELLED)
    )
    taken = sum(p.captured_ore or (p.amount_ore if p.refunded_ore else 0) for p in payments)
    refunded = sum(p.refunded_ore for p in payments)
    if refunded <= 0:
        return order.status
    return Order.Status.REFUNDED if refunded >= taken else Order.Status.PARTIALLY_REFUNDED


def refund_apply_result(*, refund: Refund, result: RefundResult) -> Refund:
    """Record the provider's answer; on success: settle, credit note, tell the customer."""
    with transaction.atomic():
        order, payment, refund = lock_refund_chain(refund.pk)
        if refund.status in (Refund.Status.SUCCEEDED, Refund.Status.FAILED):
            return refund
        refund.provider_reference = result.reference or refund.provider_reference
        refund.status = result.status
        refund.last_error = result.error[:500]
        if result.status == Refund.Status.SUCCEEDED:
            now = timezone.now()
            refund.completed_at = now
            refund.save()
            payment.refunded_ore = min(payment.refunded_ore + refund.amount_ore, payment.amount_ore)
            if payment.status == Payment.Status.AUTHORIZED and not payment.captured_ore:
                if refund.amount_ore >= payment.amount_ore:
                    # Reserved money released: nothing was ever taken.
                    payment.status = Payment.Status.CANCELLED
                else:
                    # Part of the reservation was captured (a fee): record it from the provider.
                    payment_refresh_later(payment.pk)
            payment.save(update_fields=["refunded_ore", "status", "updated_at"])
            if payment.receipts.filter(kind="sale").exists():
                receipt_issue(payment=payment, refund=refund)
            order.status = _order_status_after_refunds(order)
            order.save(update_fields=["status"])
            order_extend_retention(order, now)
            customer_notify_refund(refund=refund)
        else:
            refund.save()
    return refund


def refund_send(*, refund: Refund) -> Refund:
    """Send a pending refund to its provider (the send_refund task). Must NOT run in a transaction.

    Idempotent: the provider gets the refund's own idempotency key, so a resend after a crash
    never refunds twice. Raises TransientProviderError for the task to retry; after
    MAX_REFUND_ATTEMPTS the refund is marked failed and shows up in the admin.
    """
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("payment").get(pk=refund.pk)
        if refund.status != Refund.Status.PENDING:
            return refund
        refund.attempts += 1
        refund.save(update_fields=["attempts"])
    payment = refund.payment
    provider = registry.for_payment(payment)
    try:
        result = provider.refund(
            payment, refund.amount_ore, idempotency_key=f"refund-{refund.public_id}"
        )
    except TransientProviderError as error:
        if refund.attempts >= MAX_REFUND_ATTEMPTS:
            return refund_apply_result(
                refund=refund, result=RefundResult(reference="", status="failed", error=str(error))
            )
        Refund.objects.filter(pk=refund.pk).update(last_error=str(error)[:500])
        raise
    except ProviderError as error:
        return refund_apply_result(
            refund=refund, result=RefundResult(reference="", status="failed", error=str(error))
        )
    return refund_apply_result(refund=refund, result=result)


def refund_poll(*, refund: Refund) -> Refund:
    """Ask the provider about a refund it accepted but has not finished (Stripe/Mollie pending)."""
    if refund.status != Refund.Status.PROCESSING or not refund.provider_reference:
        return refund
    provider = registry.for_payment(refund.payment)
    try:
        result = provider.refund_status(refund.payment, refund)
    except TransientProviderError:
        return refund
    except ProviderError as error:
        result = RefundResult(
            reference=refund.provider_reference, status="failed", error=str(error)
        )
    if result.status == Refund.Status.PROCESSING:
        return refund
    return refund_apply_result(refund=refund, result=result)
