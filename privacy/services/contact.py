"""The contact form: e-mail to us through the outbox plus a short-lived database copy."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import ContactMessage

CONTACT_TEMPLATE = "contact_message"


def contact_idempotency_key(contact_message_id: int) -> str:
    """The outbox key of the e-mail a contact message sent to us (erasure finds it by this)."""
    return f"privacy-contact-{contact_message_id}"


def contact_message_submit(*, name: str, email: str, subject: str, message: str) -> ContactMessage:
    """Store the message and queue the e-mail to CONTACT_EMAIL, in one transaction.

    Precondition: the caller validated the form (lengths, e-mail syntax) and spam checks.
    Nothing else is stored: no IP address, no user agent, no account link.
    """
    from notifications.services import message_enqueue

    with transaction.atomic():
        copy = ContactMessage.objects.create(
            name=name, email=email, subject=subject, message=message
        )
        message_enqueue(
            template_key=CONTACT_TEMPLATE,
            channel="email",
            idempotency_key=contact_idempotency_key(copy.pk),
            to_address=settings.CONTACT_EMAIL,
            language=settings.LANGUAGE_CODE,
            context={
                "sender_name": name,
                "sender_email": email,
                "contact_subject": subject,
                "contact_message": message,
                "received_at": copy.created_at,
            },
        )
    return copy


def contact_messages_purge(
    *, older_than: timedelta | None = None, now: datetime | None = None
) -> int:
    """Delete database copies older than the retention period (default CONTACT_MESSAGE_RETENTION
    _DAYS, 90). Idempotent; returns how many were deleted. `now` lets a sweep run "as of" a date.
    """
    if older_than is None:  # not `or`: timedelta(0) is falsy and means "everything until now"
        older_than = timedelta(days=settings.CONTACT_MESSAGE_RETENTION_DAYS)
    cutoff = (now or timezone.now()) - older_than
    deleted, _ = ContactMessage.objects.filter(created_at__lt=cutoff).delete()
    return deleted
