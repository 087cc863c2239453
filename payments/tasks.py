"""Celery tasks: ids in, row reloaded, status checked, only transient errors retried."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from bookingtjeneste.providers import TransientProviderError

from .models import Payment, Refund, WebhookEvent
from .selectors import payments_needing_refresh
from .services import (
    payment_capture,
    payment_refresh,
    refund_poll,
    refund_send,
    webhook_event_process,
)
from .services.refunds import MAX_REFUND_ATTEMPTS

RETRY = {
    "autoretry_for": (TransientProviderError,),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
}


@shared_task(max_retries=8, **RETRY)
def process_webhook_event(event_id: int) -> None:
    event = WebhookEvent.objects.select_related("payment").filter(pk=event_id).first()
    if event is not None:
        webhook_event_process(event=event)


@shared_task(max_retries=5, **RETRY)
def refresh_payment(payment_id: int) -> None:
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is not None:
        payment_refresh(payment=payment)


@shared_task(max_retries=8, **RETRY)
def capture_payment(payment_id: int) -> None:
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is not None:
        payment_capture(payment=payment)


@shared_task(max_retries=MAX_REFUND_ATTEMPTS, **RETRY)
def send_refund(refund_id: int) -> None:
    refund = Refund.objects.filter(pk=refund_id).first()
    if refund is not None:
        refund_send(refund=refund)


@shared_task
def sweep_open_payments() -> dict:
    """Periodic: refresh payments whose webhook never came, resend and poll stuck refunds."""
    refreshed = 0
    for payment_id in payments_needing_refresh().values_list("pk", flat=True)[:200]:
        refresh_payment.delay(payment_id)
        refreshed += 1
    stale = timezone.now() - timedelta(minutes=10)
    pending = Refund.objects.filter(status=Refund.Status.PENDING, created_at__lte=stale)
    resent = 0
    for refund_id in pending.values_list("pk", flat=True)[:200]:
        send_refund.delay(refund_id)
        resent += 1
    polled = 0
    for refund in Refund.objects.filter(status=Refund.Status.PROCESSING).select_related("payment")[
        :200
    ]:
        refund_poll(refund=refund)
        polled += 1
    return {"refreshed": refreshed, "resent": resent, "polled": polled}
