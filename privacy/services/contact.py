"""The contact form: e-mail to us through the outbox plus a short-lived database copy."""

from datetime import datetime

from django.conf import settings
from django.db import transaction

from ..models import ContactMessage
from ..notices import notice_send, notices_redact

CONTACT_TEMPLATE = "contact_message"


def contact_idempotency_key(contact_message_id: int) -> str:
    """The outbox key of the e-mail a contact message sent to us (erasure finds it by this)."""
    return f"privacy-contact-{contact_message_id}"


def contact_message_submit(*, name: str, email: str, subject: str, message: str) -> ContactMessage:
    """Store the message and queue the e-mail to CONTACT_EMAIL, in one transaction.

    Precondition: the caller validated the form (lengths, e-mail syntax) and spam checks.
    Nothing else is stored: no IP address, no user agent, no account link.
    """
    with transaction.atomic():
        copy = ContactMessage.objects.create(
            name=name, email=email, subject=subject, message=message
        )
        notice_send(
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


def contact_outbox_copies_redact(*, created_before: datetime) -> int:
    """Blank the text and address of the contact form's e-mails to us sent before a cut-off.
    They are written in the same transaction as their database copy, so the cut-off of the
    copies selects exactly their e-mails."""
    return notices_redact(template_key=CONTACT_TEMPLATE, created_before=created_before)
