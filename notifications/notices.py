"""Privacy's notices written to this app's outbox (installed by NotificationsConfig.ready()).

Privacy sits below notifications and cannot import it; `privacy.notices` defines what it
needs, and this class does it with the outbox services every other sender uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from .models import Message
from .services import (
    message_deliver,
    message_enqueue,
    message_redaction_values,
    messages_redactable,
)


class OutboxNotices:
    def enqueue(
        self,
        *,
        template_key: str,
        channel: str,
        idempotency_key: str,
        recipient=None,
        to_address: str = "",
        language: str | None = None,
        context: dict[str, Any] | None = None,
        due_at: datetime | None = None,
    ) -> int | None:
        message = message_enqueue(
            template_key=template_key,
            channel=channel,
            idempotency_key=idempotency_key,
            recipient=recipient,
            to_address=to_address,
            language=language,
            context=context,
            due_at=due_at,
        )
        return message.pk if message is not None else None

    def deliver_now(self, *, message_id: int) -> str:
        # Due now, so the delivery claims it even if it was queued to fall due later.
        Message.objects.filter(pk=message_id, status=Message.Status.QUEUED).update(
            due_at=timezone.now()
        )
        return message_deliver(message_id=message_id)

    def redactable(self, *, template_key: str, created_before: datetime) -> QuerySet:
        return messages_redactable(created_before=created_before).filter(template_key=template_key)

    def redaction_values(self) -> dict[str, Any]:
        return message_redaction_values()

    def addresses(self) -> Iterable[str]:
        return Message.objects.exclude(to_address="").values_list("to_address", flat=True)

    def bodies(self, *, template_key: str) -> Iterable[str]:
        return Message.objects.filter(template_key=template_key).values_list("body_text", flat=True)
