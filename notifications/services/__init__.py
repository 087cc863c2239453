"""Notification services: everyone sends messages only through `message_enqueue`."""

from .delivery import message_claim, message_deliver, outbox_relay
from .outbox import (
    message_bodies_redact,
    message_dispatch,
    message_enqueue,
    message_enqueue_prerendered,
    message_redaction_values,
    message_retry,
    messages_cancel_for_booking,
    messages_enqueue,
    messages_redactable,
)

__all__ = [
    "message_bodies_redact",
    "message_claim",
    "message_deliver",
    "message_dispatch",
    "message_enqueue",
    "message_enqueue_prerendered",
    "message_redaction_values",
    "message_retry",
    "messages_cancel_for_booking",
    "messages_enqueue",
    "messages_redactable",
    "outbox_relay",
]
