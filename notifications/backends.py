"""Django's own e-mail (allauth verification, password reset, admin mails) through the outbox.

EMAIL_BACKEND = "notifications.backends.OutboxEmailBackend": each message becomes an outbox row
(sent after commit through Brevo or the console gateway, retried like every other message).
"""

import base64
import hashlib
import logging
import uuid

from django.contrib.auth import get_user_model
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage, EmailMultiAlternatives

from .services import message_enqueue_prerendered

logger = logging.getLogger(__name__)


def _html_alternative(message: EmailMessage) -> str:
    if isinstance(message, EmailMultiAlternatives):
        for alternative in message.alternatives:
            content, mimetype = alternative[0], alternative[1]
            if mimetype == "text/html":
                return str(content)
    if getattr(message, "content_subtype", "plain") == "html":
        return str(message.body)
    return ""


def _attachments(message: EmailMessage) -> list[dict]:
    items = []
    for attachment in message.attachments:
        if isinstance(attachment, tuple | list) and len(attachment) >= 2:
            name, content = attachment[0], attachment[1]
            mimetype = attachment[2] if len(attachment) > 2 else "application/octet-stream"
            raw = content.encode() if isinstance(content, str) else bytes(content)
            items.append(
                {
                    "name": name or "attachment",
                    "content_type": mimetype or "application/octet-stream",
                    "content_base64": base64.b64encode(raw).decode("ascii"),
                }
            )
    return items


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        User = get_user_model()
        count = 0
        for message in email_messages:
            html = _html_alternative(message)
            text = "" if getattr(message, "content_subtype", "plain") == "html" else message.body
            batch = uuid.uuid4().hex
            for address in message.recipients():
                recipient = User.objects.filter(email__iexact=address).first()
                key = "django-mail:" + hashlib.sha256(f"{batch}|{address}".encode()).hexdigest()
                try:
                    created = message_enqueue_prerendered(
                        subject=str(message.subject),
                        body_text=str(text),
                        body_html=html,
                        to_address=address,
                        recipient=recipient,
                        idempotency_key=key,
                        attachments=_attachments(message),
                    )
                except Exception:
                    if not self.fail_silently:
                        raise
                    logger.exception("could not queue an e-mail")
                    continue
                if created is not None:
                    count += 1
        return count
