"""The notifications work this app hands to Celery, by task name (see bookingtjeneste.task_publish).

Services import this module, never `.tasks` (which imports the services).
"""

from bookingtjeneste.task_publish import task_publish, task_publish_now

# Publishing must not hang the request on a dead broker: the outbox relay is the backstop.
BROKER_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}


def message_send_now(message_id: int) -> None:
    """Send one outbox message in a worker; raises when the broker cannot be reached."""
    task_publish_now(
        "notifications.tasks.send_message", message_id, retry_policy=BROKER_RETRY_POLICY
    )


def messages_send_now(message_ids: list[int]) -> None:
    """Send several outbox messages, in turn, in one worker task (as message_send_now)."""
    task_publish_now(
        "notifications.tasks.send_messages", list(message_ids), retry_policy=BROKER_RETRY_POLICY
    )


def marketing_list_sync(consent_event_id: int) -> None:
    """Mirror marketing e-mail consent to the Brevo list once the consent event commits."""
    task_publish("privacy.tasks.brevo_contact_sync", consent_event_id)


def supplier_agenda_send(supplier_id: int, day: str) -> None:
    """Write one supplier's agenda e-mail for the local date `day` (ISO) in a worker."""
    task_publish("notifications.tasks.supplier_agenda", supplier_id, day)
