"""The work payments' services hand to its tasks, queued by task name after commit.

Services import this module, never `tasks` (which imports the services). The names are the
tasks' registered names, which beat entries and queued messages depend on.
"""

from bookingtjeneste.task_publish import task_publish


def payment_capture_later(payment_id: int) -> None:
    """Capture a reserved payment whose booking is confirmed, then refresh it."""
    task_publish("payments.tasks.capture_payment", payment_id)


def payment_refresh_later(payment_id: int) -> None:
    """Read the payment's state again from its provider."""
    task_publish("payments.tasks.refresh_payment", payment_id)


def refund_send_later(refund_id: int) -> None:
    """Send a pending refund to its provider."""
    task_publish("payments.tasks.send_refund", refund_id)


def webhook_event_process_later(event_id: int) -> None:
    """Act on a stored provider notification (the task re-reads the truth)."""
    task_publish("payments.tasks.process_webhook_event", event_id)
