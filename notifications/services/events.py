"""Provider callbacks: delivery status (forward only), inbound SMS keywords, e-mail events.

Every event is stored once (unique provider + event id), so a replayed webhook changes
nothing. Events for a provider id we do not know yet (the callback beat our own "sent"
update) stay unprocessed and are applied when the id is recorded (events_apply_pending).
"""

import logging

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import InboundEvent, Message

logger = logging.getLogger(__name__)

# Forward-only delivery: a callback may only move a message to a higher rank.
STATUS_RANK = {
    Message.Status.QUEUED: 0,
    Message.Status.SENDING: 1,
    Message.Status.SENT: 2,
    Message.Status.DELIVERED: 3,
    Message.Status.FAILED: 3,
    Message.Status.SUPPRESSED: 3,
}

TWILIO_STATUS_MAP = {
    "accepted": Message.Status.SENT,
    "scheduled": Message.Status.SENT,
    "queued": Message.Status.SENT,
    "sending": Message.Status.SENT,
    "sent": Message.Status.SENT,
    "delivered": Message.Status.DELIVERED,
    "read": Message.Status.DELIVERED,
    "undelivered": Message.Status.FAILED,
    "failed": Message.Status.FAILED,
    "canceled": Message.Status.FAILED,
}

# Brevo event → (new status or None, withdraws marketing_email)
BREVO_EVENT_MAP = {
    "request": (Message.Status.SENT, False),
    "delivered": (Message.Status.DELIVERED, False),
    "hard_bounce": (Message.Status.FAILED, False),
    "invalid_email": (Message.Status.FAILED, False),
    "blocked": (Message.Status.FAILED, False),
    "error": (Message.Status.FAILED, False),
    "soft_bounce": (None, False),
    "deferred": (None, False),
    "spam": (None, True),
    "complaint": (None, True),
    "unsubscribed": (None, True),
}

STOP_KEYWORDS = {"STOP", "STOPALL", "STOPP", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "AVSLUTT"}
START_KEYWORDS = {"START", "UNSTOP", "YES"}
HELP_KEYWORDS = {"HELP", "INFO", "HJELP"}


def _event_store(
    *, provider: str, event_id: str, event_type: str, provider_message_id: str, payload: dict
) -> InboundEvent | None:
    """Insert the event; None when it was already received (a replay)."""
    try:
        with transaction.atomic():
            return InboundEvent.objects.create(
                provider=provider,
                event_id=event_id[:255],
                event_type=event_type[:40],
                provider_message_id=provider_message_id[:255],
                payload=payload,
            )
    except IntegrityError:
        return None


def _status_advance(*, message: Message, status: str, reason: str = "") -> bool:
    """Move a message forward to `status`; never backwards, never out of a final status."""
    current_rank = STATUS_RANK[message.status]
    if message.status in Message.FINAL_STATUSES or STATUS_RANK[status] <= current_rank:
        return False
    now = timezone.now()
    fields = {"status": status, "updated_at": now}
    if status == Message.Status.DELIVERED:
        fields["delivered_at"] = now
    if status == Message.Status.FAILED:
        fields["status_reason"] = reason[:100]
    # Conditional on the status we read, so two concurrent callbacks cannot both win.
    return bool(Message.objects.filter(pk=message.pk, status=message.status).update(**fields))


def _event_apply(event: InboundEvent) -> bool:
    """Apply a stored delivery event to its message; False when the message is unknown yet."""
    message = (
        Message.objects.filter(provider_message_id=event.provider_message_id)
        .exclude(provider_message_id="")
        .first()
    )
    if message is None:
        return False
    if event.provider == InboundEvent.Provider.TWILIO_STATUS:
        status = TWILIO_STATUS_MAP.get(event.event_type)
        reason = f"twilio_{event.payload.get('ErrorCode') or event.event_type}"
    else:
        status, _withdraws = BREVO_EVENT_MAP.get(event.event_type, (None, False))
        reason = event.event_type
    if status:
        _status_advance(message=message, status=status, reason=reason)
    InboundEvent.objects.filter(pk=event.pk).update(message=message, processed_at=timezone.now())
    return True


def events_apply_pending(*, provider_message_id: str) -> int:
    """Apply callbacks that arrived before we stored `provider_message_id` on the message."""
    return events_apply_pending_many(provider_message_ids=[provider_message_id])


def events_apply_pending_many(*, provider_message_ids: list[str]) -> int:
    """events_apply_pending for the messages of a batch, looked up in one query."""
    ids = [pmid for pmid in provider_message_ids if pmid]
    if not ids:
        return 0
    pending = InboundEvent.objects.filter(
        provider_message_id__in=ids,
        processed_at__isnull=True,
        provider__in=[InboundEvent.Provider.TWILIO_STATUS, InboundEvent.Provider.BREVO],
    ).order_by("received_at", "pk")
    return sum(1 for event in pending if _event_apply(event))


def twilio_status_record(*, params: dict) -> bool:
    """Store and apply a Twilio status callback. Returns False for a replayed callback."""
    sid = str(params.get("MessageSid") or params.get("SmsSid") or "")
    status = str(params.get("MessageStatus") or params.get("SmsStatus") or "").lower()
    if not sid or not status:
        raise ValueError("MessageSid and MessageStatus are required.")
    event = _event_store(
        provider=InboundEvent.Provider.TWILIO_STATUS,
        event_id=f"{sid}:{status}",
        event_type=status,
        provider_message_id=sid,
        payload={
            "MessageSid": sid,
            "MessageStatus": status,
            "ErrorCode": str(params.get("ErrorCode") or ""),
        },
    )
    if event is None:
        return False
    _event_apply(event)
    return True


def _users_with_phone(phone: str) -> list:
    if not phone:
        return []
    return list(get_user_model().objects.filter(phone=phone))


def sms_opt_out_apply(*, users) -> None:
    """STOP: withdraw SMS notifications and SMS marketing in the consent ledger."""
    from privacy.services import consent_set

    for user in users:
        for purpose in ("sms_notifications", "marketing_sms"):
            consent_set(subject=user, purpose=purpose, granted=False, source="sms")


def sms_opt_in_apply(*, users) -> None:
    """START: the person asked for SMS notifications again (marketing stays off)."""
    from privacy.services import consent_set

    for user in users:
        consent_set(subject=user, purpose="sms_notifications", granted=True, source="sms")


def sms_keyword(*, opt_out_type: str, body: str) -> str:
    """'stop', 'start', 'help' or '': Twilio's OptOutType first, the first word as fallback."""
    opt_out_type = (opt_out_type or "").strip().upper()
    if opt_out_type in {"STOP", "START", "HELP"}:
        return opt_out_type.lower()
    words = (body or "").strip().upper().split()
    first = words[0].strip(".!") if words else ""
    if first in STOP_KEYWORDS:
        return "stop"
    if first in START_KEYWORDS:
        return "start"
    if first in HELP_KEYWORDS:
        return "help"
    return ""


def twilio_inbound_record(*, params: dict) -> str | None:
    """Store an inbound SMS (keyword only, no text or number) and apply STOP/START.

    Returns the keyword ('stop', 'start', 'help' or ''), or None for a replayed webhook.
    """
    sid = str(params.get("MessageSid") or params.get("SmsSid") or "")
    if not sid:
        raise ValueError("MessageSid is required.")
    keyword = sms_keyword(
        opt_out_type=str(params.get("OptOutType") or ""), body=str(params.get("Body") or "")
    )
    with transaction.atomic():
        event = _event_store(
            provider=InboundEvent.Provider.TWILIO_INBOUND,
            event_id=sid,
            event_type=keyword or "message",
            provider_message_id=sid,
            payload={"keyword": keyword, "OptOutType": str(params.get("OptOutType") or "")},
        )
        if event is None:
            return None
        users = _users_with_phone(str(params.get("From") or ""))
        if keyword == "stop":
            sms_opt_out_apply(users=users)
        elif keyword == "start":
            sms_opt_in_apply(users=users)
        event.payload["users"] = [str(user.public_id) for user in users]
        event.processed_at = timezone.now()
        event.save(update_fields=["payload", "processed_at"])
    return keyword


def brevo_event_record(*, payload: dict) -> bool:
    """Store and apply one Brevo webhook event. Returns False for a replay or ignored type."""
    event_type = str(payload.get("event") or "").lower()
    if event_type not in BREVO_EVENT_MAP:
        return False  # opens, clicks and the like: we do not track them
    message_id = str(payload.get("message-id") or payload.get("message_id") or "")
    stamp = str(payload.get("ts_event") or payload.get("ts") or payload.get("date") or "")
    with transaction.atomic():
        event = _event_store(
            provider=InboundEvent.Provider.BREVO,
            event_id=f"{message_id}:{event_type}:{stamp}",
            event_type=event_type,
            provider_message_id=message_id,
            payload={
                "event": event_type,
                "message-id": message_id,
                "reason": str(payload.get("reason") or "")[:200],
            },
        )
        if event is None:
            return False
        _new_status, withdraws = BREVO_EVENT_MAP[event_type]
        applied = _event_apply(event)
        if withdraws:
            _marketing_email_withdraw(event=event, address=str(payload.get("email") or ""))
            if not applied:
                InboundEvent.objects.filter(pk=event.pk).update(processed_at=timezone.now())
    return True


def _marketing_email_withdraw(*, event: InboundEvent, address: str) -> None:
    """Unsubscribe or spam complaint: withdraw marketing_email for the message's person."""
    from privacy.services import consent_set

    event.refresh_from_db(fields=["message"])
    users = []
    if event.message_id and event.message.recipient_id:
        users = [event.message.recipient]
    elif address:
        users = list(get_user_model().objects.filter(email__iexact=address))
    for user in users:
        consent_set(subject=user, purpose="marketing_email", granted=False, source="email")
