"""The outbox (every e-mail and SMS we sent you) and phone-number verification."""

from django.core.cache import cache
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..registry import DataCategory, ErasureOutcome, FieldAction, ProcessorCall, Subject

D = FieldAction.DELETE


def _messages(subject: Subject):
    from notifications.models import Message

    condition = Q()
    if subject.user is not None:
        condition |= Q(recipient=subject.user) | Q(booking__customer=subject.user)
    for email in subject.emails:
        condition |= Q(to_address__iexact=email)
    for phone in subject.phones:
        condition |= Q(to_address=phone)
    if not condition:
        return Message.objects.none()
    return Message.objects.filter(condition)


class OutboxMessagesCategory(DataCategory):
    key = "outbox_messages"
    name = _("E-mails and SMS we sent you")
    purpose = _("Booking confirmations, reminders, receipts, and messages you agreed to")
    legal_basis = _("Contract (Art. 6(1)(b)); consent (Art. 6(1)(a)) for marketing and SMS")
    retention = _("Text of a message 90 days, the record that it was sent 1 year")
    recipients = ("Brevo", "Twilio")
    order = 30
    fields = {
        "notifications.Message.recipient": D,
        "notifications.Message.to_address": D,
        "notifications.Message.subject": D,
        "notifications.Message.body_text": D,
        "notifications.Message.body_html": D,
        "notifications.Message.attachments": D,
        "notifications.Message.last_error": D,
        "notifications.Message.status_reason": D,
        "notifications.Message.provider_message_id": D,
        "notifications.Message.idempotency_key": D,
        "notifications.Message.booking": D,
        "notifications.InboundEvent.payload": D,
        "notifications.InboundEvent.provider_message_id": D,
        "notifications.InboundEvent.event_id": D,
    }

    def export(self, subject: Subject) -> list:
        rows = (
            _messages(subject)
            .order_by("created_at", "pk")
            .values(
                "channel",
                "template_key",
                "purpose",
                "marketing_basis",
                "to_address",
                "subject",
                "body_text",
                "status",
                "created_at",
                "sent_at",
                "delivered_at",
                "redacted_at",
            )
        )
        return [
            {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
            for row in rows
        ]

    def processor_calls(self, subject: Subject) -> list[ProcessorCall]:
        from notifications.models import Message

        sids = list(
            _messages(subject)
            .filter(channel=Message.Channel.SMS)
            .exclude(provider_message_id="")
            .values_list("provider_message_id", flat=True)
        )
        return [ProcessorCall("twilio", {"message_sids": sids})] if sids else []

    def erase(self, subject: Subject) -> ErasureOutcome:
        from notifications.models import InboundEvent, Message

        ids = _messages(subject).values("pk")
        events = InboundEvent.objects.filter(message__in=ids)
        events_deleted = events._raw_delete(events.db)
        # A raw DELETE (one statement, not one per row): the provider events, the only rows
        # pointing at a message, are gone already.
        messages = Message.objects.filter(pk__in=ids)
        deleted = messages._raw_delete(messages.db)
        return ErasureOutcome(deleted=deleted + events_deleted)


class PhoneVerificationCategory(DataCategory):
    key = "phone_verification"
    name = _("Mobile number verification")
    purpose = _("Checking that the mobile number is yours before we send SMS to it")
    legal_basis = _("Contract (GDPR Art. 6(1)(b))")
    retention = _("An attempt lives 10 minutes in the cache; at most 24 hours")
    recipients = ("Twilio (Verify)",)
    order = 12
    # Attempts live only in the cache (no table); the number is part of the account.
    fields = {"accounts.User.phone_verified_at": D}

    def _key(self, subject: Subject, phone: str) -> str:
        from notifications.services.phone import _state_key

        return _state_key(subject.user, phone)

    def export(self, subject: Subject) -> dict:
        pending = (
            [phone for phone in subject.phones if cache.get(self._key(subject, phone)) is not None]
            if subject.user
            else []
        )
        return {
            "verified_at": subject.user.phone_verified_at.isoformat()
            if subject.user and subject.user.phone_verified_at
            else None,
            "verification_in_progress_for": pending,
        }

    def erase(self, subject: Subject) -> ErasureOutcome:
        if subject.user is None:
            return ErasureOutcome()
        keys = [self._key(subject, phone) for phone in subject.phones]
        cache.delete_many(keys)
        return ErasureOutcome(deleted=len(keys))
