"""Console mode: what would have been sent, recorded in memory and logged without content.

Used when a provider has no credentials (development, `make run`, tests that do not start a
fake provider). The message body is only logged with DEBUG on, never in production.
"""

import logging
import uuid
from collections import deque
from datetime import datetime

from django.conf import settings
from django.utils.timezone import now

from .base import OutgoingEmail

logger = logging.getLogger("notifications.console")

# The most recent sends of this process, newest last: for the developer and for tests.
sent: deque[dict] = deque(maxlen=500)


class ConsoleSmsGateway:
    name = "console"

    def send(self, *, to: str, body: str, status_callback: str = "") -> str:
        message_id = f"console-sms-{uuid.uuid4().hex}"
        sent.append({"channel": "sms", "id": message_id, "to": to, "body": body, "at": now()})
        logger.info("console SMS %s (%d characters)", message_id, len(body))
        if settings.DEBUG:
            logger.info("console SMS body: %s", body)
        return message_id

    def find_accepted(self, *, to: str, body: str, since: datetime) -> str:
        """Like TwilioSmsGateway.find_accepted, over this process's recent sends."""
        for item in reversed(sent):
            ours = item["channel"] == "sms" and (item["to"], item["body"]) == (to, body)
            if ours and item["at"] >= since:
                return item["id"]
        return ""


class ConsoleEmailGateway:
    name = "console"

    def send(self, email: OutgoingEmail) -> str:
        message_id = f"<console-{uuid.uuid4().hex}@bookingtjeneste.no>"
        sent.append(
            {
                "channel": "email",
                "id": message_id,
                "to": email.to,
                "subject": email.subject,
                "text": email.text,
                "html": email.html,
                "headers": dict(email.headers),
                "attachments": [a.name for a in email.attachments],
            }
        )
        logger.info("console e-mail %s, tags %s", message_id, ",".join(email.tags))
        if settings.DEBUG:
            logger.info("console e-mail subject: %s\n%s", email.subject, email.text)
        return message_id
