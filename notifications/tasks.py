"""Celery tasks: ids only, idempotent; the database row decides what happens."""

from datetime import date

from celery import shared_task
from django.db import InterfaceError, OperationalError

from bookingtjeneste.providers import TransientProviderError

from .publish import supplier_agenda_send
from .services import message_deliver, outbox_relay
from .services.delivery import RELAY_BATCH_SIZE, SEND_BATCH_SIZE, messages_deliver
from .services.marketing_list import marketing_list_sync
from .services.outbox import messages_dispatch
from .services.supplier_notices import supplier_agenda_enqueue, suppliers_agenda_due


@shared_task(name="notifications.tasks.send_message", ignore_result=True)
def send_message(message_id: int) -> str:
    """Send one outbox message (no-op when it is not due, taken or finished).

    No Celery-level retry: a transient provider error puts the row back to `queued` with a
    backed-off `due_at`, and the relay picks it up, so nothing relies on the broker keeping
    an ETA task.
    """
    return message_deliver(message_id=message_id)


@shared_task(name="notifications.tasks.send_messages", ignore_result=True)
def send_messages(message_ids: list[int]) -> dict[str, int]:
    """Send several outbox messages in turn (the relay's batches; a booking's due messages).

    The same per-row rules as send_message; one claim statement for the batch.
    """
    return messages_deliver(message_ids=message_ids)


# One run dispatches at most this many rows (in batches), so a backlog of reminders due at the
# same minute goes out in one tick instead of RELAY_BATCH_SIZE per minute.
RELAY_MAX_PER_RUN = 50_000


@shared_task(name="notifications.tasks.relay_outbox", ignore_result=True)
def relay_outbox() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): dispatch due, lost and stuck outbox messages."""
    total = 0
    while total < RELAY_MAX_PER_RUN:
        ids = outbox_relay()
        for start in range(0, len(ids), SEND_BATCH_SIZE):
            messages_dispatch(ids[start : start + SEND_BATCH_SIZE])
        total += len(ids)
        if len(ids) < RELAY_BATCH_SIZE:
            break
    return total


# The name it had when privacy owned the list sync: messages already queued (retries can wait an
# hour) carry it, so it stays although the task now lives with the Brevo adapter.
@shared_task(
    name="privacy.tasks.brevo_contact_sync",
    autoretry_for=(TransientProviderError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=8,
)
def brevo_contact_sync(consent_event_id: int) -> str:
    """Mirror a user's current marketing e-mail consent to the Brevo list (idempotent)."""
    return marketing_list_sync(consent_event_id=consent_event_id)


@shared_task(name="notifications.tasks.supplier_agendas_due", ignore_result=True)
def supplier_agendas_due() -> int:
    """Every hour (CELERY_BEAT_SCHEDULE): one agenda task per supplier whose agenda hour it is."""
    due = suppliers_agenda_due()
    for supplier_id, day in due:
        supplier_agenda_send(supplier_id, day.isoformat())
    return len(due)


@shared_task(
    name="notifications.tasks.supplier_agenda",
    autoretry_for=(OperationalError, InterfaceError),  # the database away for a moment
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=6,
    ignore_result=True,
)
def supplier_agenda(supplier_id: int, day: str) -> int:
    """Write one supplier's agenda e-mail for a local date (idempotent per supplier and date)."""
    return supplier_agenda_enqueue(supplier_id=supplier_id, day=date.fromisoformat(day))
