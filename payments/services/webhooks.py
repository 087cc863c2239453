"""Inbound provider notifications: stored once, processed by a task that re-reads the truth."""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ..models import Payment, Refund, WebhookEvent
from ..providers.base import WebhookNotification
from ..selectors import retention_date_for
from .payments import payment_refresh
from .refunds import refund_poll


def webhook_event_record(
    *, provider: str, notification: WebhookNotification
) -> WebhookEvent | None:
    """Store a verified notification once and queue its processing after commit.

    Returns None for an event about no payment of ours (acknowledged, not stored) and the
    existing row for a duplicate delivery (not processed again).
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
    from ..tasks import process_webhook_event

    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                provider=provider,
                event_id=notification.event_id,
                event_type=notification.event_type,
                payment=payment,
                retain_until=retention_date_for(),
            )
            process_webhook_event.delay_on_commit(event.pk)
    except IntegrityError:
        return WebhookEvent.objects.get(provider=provider, event_id=notification.event_id)
    return event


def webhook_event_process(*, event: WebhookEvent) -> WebhookEvent:
    """Refresh the event's payment from the provider (ProviderUnavailable propagates for retry)."""
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
