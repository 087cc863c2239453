"""Inbound provider notifications: stored once, processed by a task that re-reads the truth."""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ..models import Payment, Refund, WebhookEvent
from ..providers.base import WebhookNotification
from ..providers.registry import registry
from ..publish import webhook_event_process_later
from ..selectors import retention_date_for
from .payments import payment_refresh
from .refunds import refund_poll


def webhook_event_record(
    *, provider: str, notification: WebhookNotification
) -> WebhookEvent | None:
    """Store a verified notification once and queue its processing after commit.

    Returns None for an event about no payment of ours (acknowledged, not stored) and the
    existing row for a duplicate delivery (not processed again). Providers whose webhooks
    carry no event id (Mollie: only the payment id) are deduplicated on our own state: once
    the payment is settled a repeat is acknowledged without a row or an API call; before
    that, a repeat re-processes the row stored for the state we are in.
    """
    references = Q()
    if notification.payment_reference:
        references |= Q(provider_reference=notification.payment_reference)
    if notification.secondary_reference:
        references |= Q(provider_secondary_reference=notification.secondary_reference)
    if not references:
        return None
    payment = Payment.objects.filter(references, provider=provider, is_console=False).first()
    if payment is None:
        return None
    event_id = notification.event_id
    stateless = not registry.get(provider).webhook_has_event_ids
    if stateless:
        if _settled(payment):
            known = payment.webhook_events.order_by("-pk").first()
            if known is not None:
                return known  # a repeat of a delivery already acted on: no row, no API call
        event_id = _stateless_event_id(notification, payment)
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                provider=provider,
                event_id=event_id,
                event_type=notification.event_type,
                payment=payment,
                retain_until=retention_date_for(),
                restricted=payment.restricted,
            )
            webhook_event_process_later(event.pk)
    except IntegrityError:
        event = WebhookEvent.objects.get(provider=provider, event_id=event_id)
        if stateless and event.status != WebhookEvent.Status.RECEIVED:
            # The payment is still open (or a refund is): without a body the call may be news,
            # so the stored row is processed again (one fresh fetch) instead of a new row.
            with transaction.atomic():
                WebhookEvent.objects.filter(pk=event.pk).update(
                    status=WebhookEvent.Status.RECEIVED, processed_at=None
                )
                webhook_event_process_later(event.pk)
    return event


# Nothing a provider can report changes these any more (our refresh only moves forward).
_FINAL = (
    Payment.Status.PAID,
    Payment.Status.FAILED,
    Payment.Status.CANCELLED,
    Payment.Status.EXPIRED,
)


def _settled(payment: Payment) -> bool:
    """Final status and no refund still waiting for the provider: a webhook brings nothing new."""
    return (
        payment.status in _FINAL
        and not payment.refunds.filter(status__in=Refund.OPEN_STATUSES).exists()
    )


def _stateless_event_id(notification: WebhookNotification, payment: Payment) -> str:
    """`<payment id>:<our status>[:r<open refund ids>]`: one row per state we act from."""
    open_refunds = payment.refunds.filter(status__in=Refund.OPEN_STATUSES).order_by("pk")
    refund_part = "-".join(str(pk) for pk in open_refunds.values_list("pk", flat=True))
    key = f"{notification.payment_reference}:{payment.status}"
    return (f"{key}:r{refund_part}" if refund_part else key)[:255]


def webhook_event_process(*, event: WebhookEvent) -> WebhookEvent:
    """Refresh the event's payment from the provider (a transient provider error propagates for
    retry)."""
    if event.status == WebhookEvent.Status.PROCESSED:
        return event
    if event.payment is None:
        event.status = WebhookEvent.Status.IGNORED
    else:
        payment_refresh(payment=event.payment)
        # Refund events (Stripe charge.refunded, Mollie's repeated call) settle open refunds.
        for refund in event.payment.refunds.filter(status=Refund.Status.PROCESSING):
            refund_poll(refund=refund)
        event.status = WebhookEvent.Status.PROCESSED
    event.processed_at = timezone.now()
    event.save(update_fields=["status", "processed_at"])
    return event
