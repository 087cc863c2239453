"""The notifications app's personal data, declared to privacy (discovered by
PrivacyConfig.ready()): the outbox (every e-mail and SMS we sent you) and phone-number
verification; the rules that blank and delete sent messages; how Twilio and Brevo are told to
forget someone; and the deletion of privacy's own outbox e-mails (the contact form's copies)."""

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bookingtjeneste.providers import PermanentProviderError, TransientProviderError
from privacy import hooks
from privacy.erasure import ERASURE_CONFIRMATION_TEMPLATE
from privacy.propagation import ProcessorRefused, ProcessorUnavailable, processor_eraser_register
from privacy.registry import (
    DataCategory,
    ErasureOutcome,
    FieldAction,
    ProcessorCall,
    Subject,
    registry,
)
from privacy.retention import RuleDefinition, in_pk_batches, raw_delete, retention_rule_register

from .models import InboundEvent, Message, SupplierNoticeSettings
from .services import message_redaction_values, messages_redactable
from .services.supplier_notices import AGENDA_TEMPLATE, notice_settings_forget

D = FieldAction.DELETE


def _messages(subject: Subject):
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
        "notifications.Message.render_context": D,
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
        sids = list(
            _messages(subject)
            .filter(channel=Message.Channel.SMS)
            .exclude(provider_message_id="")
            .values_list("provider_message_id", flat=True)
        )
        return [ProcessorCall("twilio", {"message_sids": sids})] if sids else []

    def erase(self, subject: Subject) -> ErasureOutcome:
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
    export_labels = {
        "verified_at": _("number verified at"),
        "verification_in_progress_for": _("verification in progress for"),
    }

    def _key(self, subject: Subject, phone: str) -> str:
        from .services.phone import _state_key

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


class SupplierNoticesCategory(DataCategory):
    """What the salon is told about a customer's bookings (notices/agenda e-mails naming them),
    and the salon's own notice address and SMS number (a staff member's, possibly).

    Notices of one booking are linked to it and go with the outbox category; the daily agenda
    lists many customers, so it is found by the name and number it shows, and blanked.
    """

    key = "supplier_notices"
    name = _("Notices to the salon about your bookings")
    purpose = _(
        "Telling the salon of new, moved and cancelled bookings, and its daily list of bookings"
    )
    legal_basis = _("Contract (GDPR Art. 6(1)(b)): the salon needs to know who is coming")
    retention = _("Text of a notice 90 days, the record that it was sent 1 year")
    recipients = ("Brevo", "Twilio")
    subjects = _("customers; supplier staff (notice address)")
    order = 31  # after the outbox category, before the account (the name is needed)
    fields = {
        "notifications.SupplierNoticeSettings.notice_emails": D,
        "notifications.SupplierNoticeSettings.notice_phone": D,
    }
    export_labels = {
        "daily_agendas_listing_you": _("daily agendas that listed you"),
        "notice_addresses": _("your address in a salon's notice settings"),
    }

    def _agendas(self, subject: Subject):
        user = subject.user
        condition = Q()
        if user is not None and len(user.full_name.strip()) >= 3:
            condition |= Q(body_text__icontains=user.full_name.strip())
        for phone in subject.phones:
            condition |= Q(body_text__contains=phone)
        if not condition:
            return Message.objects.none()
        return Message.objects.filter(condition, template_key=AGENDA_TEMPLATE).exclude(body_text="")

    def _settings(self, subject: Subject):
        condition = Q()
        for email in subject.emails:
            condition |= Q(notice_emails__icontains=email)
        for phone in subject.phones:
            condition |= Q(notice_phone=phone)
        if not condition:
            return SupplierNoticeSettings.objects.none()
        return SupplierNoticeSettings.objects.filter(condition)

    def export(self, subject: Subject) -> dict:
        # The agenda also names other customers: only that, and when, the person was listed.
        agendas = self._agendas(subject).order_by("created_at", "pk")
        return {
            "daily_agendas_listing_you": [
                {"sent_at": (row.sent_at or row.created_at).isoformat(), "status": row.status}
                for row in agendas.only("sent_at", "created_at", "status")
            ],
            "notice_addresses": [
                {
                    "notice_emails": [
                        address for address in row.email_list if address in subject.emails
                    ],
                    "notice_phone": row.notice_phone if row.notice_phone in subject.phones else "",
                }
                for row in self._settings(subject)
            ],
        }

    def erase(self, subject: Subject) -> ErasureOutcome:
        anonymised = self._agendas(subject).update(**message_redaction_values())
        changed = []
        for row in self._settings(subject).order_by("pk").select_for_update():
            kept = [address for address in row.email_list if address not in subject.emails]
            row.notice_emails = ", ".join(kept)
            if row.notice_phone in subject.phones:
                row.notice_phone = ""
            changed.append(row)
        SupplierNoticeSettings.objects.bulk_update(changed, ["notice_emails", "notice_phone"])
        for row in changed:  # bulk_update sends no post_save
            notice_settings_forget(supplier_id=row.supplier_id)
        return ErasureOutcome(anonymised=anonymised + len(changed))


registry.register(OutboxMessagesCategory)
registry.register(PhoneVerificationCategory)
registry.register(SupplierNoticesCategory)


# --- Retention rules ---------------------------------------------------------------------------


def _outbox_bodies(cutoff, as_of, dry_run) -> int:
    return in_pk_batches(
        messages_redactable(created_before=cutoff),
        lambda qs: qs.update(**message_redaction_values()),
        dry_run,
    )


def _outbox_metadata(cutoff, as_of, dry_run) -> int:
    queryset = Message.objects.filter(
        created_at__lt=cutoff, status__in=[*Message.FINAL_STATUSES, Message.Status.SENT]
    )

    def action(batch) -> int:
        raw_delete(InboundEvent.objects.filter(message__in=batch.values("pk")))
        return raw_delete(batch)

    return in_pk_batches(queryset, action, dry_run)


def _erasure_confirmations(cutoff, as_of, dry_run) -> int:
    return in_pk_batches(
        messages_redactable(created_before=cutoff).filter(
            template_key=ERASURE_CONFIRMATION_TEMPLATE
        ),
        lambda qs: qs.update(**message_redaction_values()),
        dry_run,
    )


# Deleting first: messages past a year need no redaction before they go.
retention_rule_register(
    RuleDefinition(
        "outbox_metadata",
        "outbox_messages",
        _("Record of sent messages deleted"),
        365,
        _outbox_metadata,
        order=30,
    )
)
retention_rule_register(
    RuleDefinition(
        "outbox_bodies",
        "outbox_messages",
        _("Text and address of sent messages blanked"),
        90,
        _outbox_bodies,
        order=40,
    )
)
retention_rule_register(
    RuleDefinition(
        "erasure_confirmations",
        "outbox_messages",
        _("Address of sent erasure confirmations blanked"),
        0,
        _erasure_confirmations,
        order=50,
    )
)


# --- Privacy's own e-mails in the outbox -------------------------------------------------------


def _outbox_erase(*, template_key: str, idempotency_keys=(), text_contains=()) -> int:
    """Delete the messages of `template_key` with one of these idempotency keys or containing
    one of these texts (case-insensitive), with their provider events."""
    condition = Q(idempotency_key__in=list(idempotency_keys))
    for text in text_contains:
        condition |= Q(body_text__icontains=text)
    ids = list(
        Message.objects.filter(condition, template_key=template_key).values_list("pk", flat=True)
    )
    InboundEvent.objects.filter(message__in=ids).delete()
    deleted, _ = Message.objects.filter(pk__in=ids).delete()
    return deleted


hooks.outbox_erasers.register(_outbox_erase)


# --- Processor erasers ---------------------------------------------------------------------------


def _twilio(target: dict) -> dict:
    from twilio.base.exceptions import TwilioException, TwilioRestException

    sids = target.get("message_sids", [])
    if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
        return {"console": True, "messages": len(sids)}
    from .gateways.twilio_client import twilio_client

    client = twilio_client()
    deleted = 0
    for sid in sids:
        try:
            client.messages(sid).delete()
            deleted += 1
        except TwilioRestException as exc:
            if exc.status == 404:
                continue
            if exc.status == 429 or exc.status >= 500:
                raise ProcessorUnavailable(f"twilio_http_{exc.status}") from exc
            # Twilio refuses to delete a message still in flight; it is retried later.
            if exc.status == 409 or exc.code == 20009:
                raise ProcessorUnavailable("twilio_in_flight") from exc
            raise ProcessorRefused(f"twilio_http_{exc.status}") from exc
        except TwilioException as exc:
            raise ProcessorUnavailable(f"twilio_{type(exc).__name__}") from exc
    return {"messages_deleted": deleted}


def _brevo(target: dict) -> dict:
    from .gateways.brevo import brevo_configured, brevo_contact_delete

    emails = target.get("emails", [])
    if not brevo_configured():
        return {"console": True, "contacts": len(emails)}
    deleted = 0
    for email in emails:
        try:
            # False: not a contact, already the state we want.
            deleted += brevo_contact_delete(email)
        except TransientProviderError as error:
            raise ProcessorUnavailable(f"brevo_{error.code}") from error
        except PermanentProviderError as error:
            raise ProcessorRefused(f"brevo_{error.code}") from error
    return {"contacts_deleted": deleted}


processor_eraser_register("twilio", _twilio)
processor_eraser_register("brevo", _brevo)
