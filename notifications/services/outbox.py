"""Writing to the outbox: enqueue, retry, redact. Sending lives in services/delivery.py."""

import hashlib
import logging
import re
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.constants import OnConflict
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from ..models import Message
from ..publish import message_send_now, messages_send_now
from ..rendering import (
    SMS_MAX_LENGTH,
    NotStorable,
    context_store,
    language_resolve,
    message_render,
    template_check,
)
from .delivery import SEND_BATCH_SIZE

logger = logging.getLogger(__name__)

CHANNELS = {choice.value for choice in Message.Channel}
PURPOSES = {choice.value for choice in Message.Purpose}


def message_dispatch(message_id: int) -> None:
    """Publish a send task; if the broker is down, the relay sends the row later.

    Runs after commit, in the caller's request: it must never raise (the event already
    committed) and must not hang on a dead broker, hence the short publish retry policy.
    """
    try:
        message_send_now(message_id)
    except Exception:  # broker unreachable: the row is safe in the database
        logger.warning("broker unavailable; message %s left to the relay", message_id)


def messages_dispatch(message_ids: list[int]) -> None:
    """message_dispatch for several messages: one task that sends them in turn (fewer broker
    round trips, one claim statement). Same rules: never raises, the relay is the backstop."""
    if len(message_ids) == 1:
        message_dispatch(message_ids[0])
        return
    for start in range(0, len(message_ids), SEND_BATCH_SIZE):
        batch = message_ids[start : start + SEND_BATCH_SIZE]
        try:
            messages_send_now(batch)
        except Exception:  # broker unreachable: the rows are safe in the database
            logger.warning("broker unavailable; %d messages left to the relay", len(batch))


def _dispatch_on_commit(message: Message) -> None:
    """Hand a due message to a worker once the transaction commits (the relay is the backstop)."""
    message_id = message.pk
    transaction.on_commit(lambda: message_dispatch(message_id))


def _messages_insert(messages: list[Message], *, dispatch: bool = True) -> list[Message | None]:
    """Insert outbox rows in ONE statement; None in place of each whose idempotency key exists.

    INSERT ... ON CONFLICT DO NOTHING RETURNING id, idempotency_key: a key that already exists
    (or a concurrent transaction is inserting) is skipped without an error, so no savepoint and
    no existence check are needed, and only the rows really written come back. bulk_create()
    cannot say which rows it skipped with ignore_conflicts, hence the insert query it uses.
    """
    now = timezone.now()
    unique: dict[str, Message] = {}
    for message in messages:
        unique.setdefault(message.idempotency_key, message)  # a repeated key: the first wins
        if dispatch and message.due_at <= now:
            message.dispatched_at = now  # handed to a worker after commit (below)
    if not unique:
        return []
    opts = Message._meta
    fields = [field for field in opts.concrete_fields if field is not opts.pk]
    rows = Message.objects._insert(
        list(unique.values()),
        fields=fields,
        returning_fields=[opts.pk, opts.get_field("idempotency_key")],
        on_conflict=OnConflict.IGNORE,
    )
    # A single skipped row comes back as None (Django fetches one row for one object).
    inserted = {key: pk for pk, key in filter(None, rows)}
    result: list[Message | None] = []
    due_ids = []
    for message in messages:
        pk = inserted.get(message.idempotency_key)
        if pk is None or unique[message.idempotency_key] is not message:
            result.append(None)
            continue
        message.pk = pk
        message._state.adding = False
        message._state.db = Message.objects.db
        if message.dispatched_at is not None:
            due_ids.append(pk)
        result.append(message)
    if due_ids:
        # One task for the event's due messages (a booking's confirmation e-mail and SMS).
        transaction.on_commit(lambda: messages_dispatch(due_ids))
    return result


def _with_stop_instruction(text: str, *, language: str) -> str:
    """Every marketing SMS tells how to stop them (Marketing Act §15), whatever its template."""
    if re.search(r"\bSTOP\b", text):
        return text
    with translation.override(language):
        instruction = gettext("Reply STOP to unsubscribe.")
    return text[: SMS_MAX_LENGTH - len(instruction) - 1].rstrip() + "\n" + instruction


def _with_unsubscribe_link(text: str, html: str, *, url: str, language: str) -> tuple[str, str]:
    """Every marketing e-mail carries the no-login unsubscribe link in its body (Marketing Act
    §15, policy section 13), also when a template forgot it; the List-Unsubscribe header alone
    is not shown by every mail program."""
    with translation.override(language):
        label = gettext("Unsubscribe")
    if url not in text:
        text = f"{text.rstrip()}\n\n{label}: {url}\n"
    if html and url not in html:
        link = f'<p><a href="{escape(url)}">{escape(label)}</a></p>'
        head, found, tail = html.rpartition("</body>")
        html = f"{head}{link}{found}{tail}" if found else html + link
    return text, html


def message_enqueue(**fields) -> Message | None:
    """Write a message to the outbox; it is sent after commit (or at due_at).

    It is rendered now, or, for a customer's own booking message, when it is sent (see
    _render_later): either way a bad key or a missing template raises here.

    Call inside the transaction of the event that causes the message, so both commit or roll
    back together. `recipient` is a User (preferred: the address is read when sending, and
    consent is checked then); `to_address` only for people without an account. Returns None
    when `idempotency_key` already exists: the same message is never created twice.
    `attachments`: [{"name", "content_type", "content" (text)}], e-mail only; an item with
    `"booking_ics": True` instead of content gets the booking's calendar file at send time.
    Raises ValueError for bad arguments and TemplateDoesNotExist for a missing template.
    Arguments: those of _message_build.
    """
    [message] = messages_enqueue([fields])
    return message


def messages_enqueue(requests: list[dict]) -> list[Message | None]:
    """message_enqueue for several messages of one event, written in one INSERT statement.

    Each request holds message_enqueue's arguments; the result has a Message, or None for an
    idempotency key that already exists, at each request's position. All are checked and
    rendered before anything is written, so a bad one writes none.
    """
    return _messages_insert([_message_build(**request) for request in requests])


def _message_build(
    *,
    template_key: str,
    channel: str,
    idempotency_key: str,
    recipient=None,
    to_address: str = "",
    language: str | None = None,
    context: dict | None = None,
    due_at: datetime | None = None,
    purpose: str = "transactional",
    booking=None,
    attachments: list[dict] | None = None,
) -> Message:
    """Check and render one message into an unsaved outbox row (see message_enqueue)."""
    if channel not in CHANNELS:
        raise ValueError(f"Unknown channel {channel!r}.")
    if purpose not in PURPOSES:
        raise ValueError(f"Unknown purpose {purpose!r}.")
    if not idempotency_key or len(idempotency_key) > 200:
        raise ValueError("An idempotency key of 1-200 characters is required.")
    if recipient is None and not to_address:
        raise ValueError("A message needs a recipient or a to_address.")
    if recipient is not None and to_address:
        raise ValueError("Give a recipient or a to_address, not both.")
    if purpose == Message.Purpose.MARKETING and recipient is None:
        # Marketing needs a consent or customer relationship we can check: only for users.
        raise ValueError("Marketing messages need a recipient user.")
    if attachments and channel != Message.Channel.EMAIL:
        raise ValueError("Only e-mails carry attachments.")

    resolved_language = language_resolve(language=language, recipient=recipient, booking=booking)
    stored = _render_later(
        template_key=template_key,
        channel=channel,
        purpose=purpose,
        recipient=recipient,
        booking=booking,
        context=context,
    )
    row = {
        "channel": channel,
        "template_key": template_key,
        "language": resolved_language,
        "purpose": purpose,
        "recipient": recipient,
        "booking": booking,
        "attachments": list(attachments or []),
        "due_at": due_at or timezone.now(),
        "idempotency_key": idempotency_key,
    }
    if stored is not None:
        return Message(**row, render_context=stored)
    context = {"recipient": recipient, "booking": booking, **(context or {})}
    marketing_email = purpose == Message.Purpose.MARKETING and channel == Message.Channel.EMAIL
    if marketing_email:
        from privacy.services import unsubscribe_url_for

        context["unsubscribe_url"] = unsubscribe_url_for(user=recipient, purpose="marketing_email")
    rendered = message_render(
        template_key=template_key, channel=channel, language=resolved_language, context=context
    )
    body_text, body_html = rendered.body_text, rendered.body_html
    if purpose == Message.Purpose.MARKETING and channel == Message.Channel.SMS:
        body_text = _with_stop_instruction(body_text, language=resolved_language)
    if marketing_email:
        body_text, body_html = _with_unsubscribe_link(
            body_text, body_html, url=context["unsubscribe_url"], language=resolved_language
        )
    return Message(
        **row,
        to_address=to_address.strip(),
        subject=rendered.subject,
        body_text=body_text,
        body_html=body_html,
    )


def _render_later(
    *, template_key: str, channel: str, purpose: str, recipient, booking, context: dict | None
) -> dict | None:
    """The context to store when this message is rendered at send time, else None.

    A customer's own booking messages (six per booking) are rendered by the worker that sends
    them, not in the booking request: they carry only references and plain values, and the
    recipient and booking are the row's own links, read again at send time (an erased booking
    then renders nothing, delivery.py). Anything else is rendered now, as before: notices to
    other people, marketing, and contexts holding values that cannot be stored.
    """
    if (
        purpose != Message.Purpose.TRANSACTIONAL
        or recipient is None
        or booking is None
        or booking.customer_id != recipient.pk
    ):
        return None
    extra = {k: v for k, v in (context or {}).items() if k not in ("recipient", "booking")}
    try:
        stored = context_store(extra)
    except NotStorable:
        return None
    template_check(template_key=template_key, channel=channel)  # a bad key fails now
    # Wrapped, so the field is never {} (which means "rendered") even for an empty context.
    return {"context": stored}


def message_enqueue_prerendered(
    *,
    subject: str,
    body_text: str,
    body_html: str = "",
    to_address: str,
    recipient=None,
    idempotency_key: str = "",
    template_key: str = "django_email",
    attachments: list[dict] | None = None,
) -> Message | None:
    """Queue an e-mail rendered elsewhere (Django's and allauth's own mails, see backends.py).

    The address is kept as given (a verification mail goes to the address being verified,
    which may not be the account's current one); `recipient` links it to the account.
    """
    if not to_address:
        raise ValueError("A to_address is required.")
    key = (
        idempotency_key
        or "email:"
        + hashlib.sha256(
            f"{to_address}|{subject}|{body_text}|{timezone.now().isoformat()}".encode()
        ).hexdigest()
    )
    [message] = _messages_insert(
        [
            Message(
                channel=Message.Channel.EMAIL,
                template_key=template_key,
                language=getattr(recipient, "preferred_language", "") or "nb",
                purpose=Message.Purpose.TRANSACTIONAL,
                recipient=recipient,
                to_address=to_address.strip(),
                subject=" ".join(subject.split())[:255],
                body_text=body_text,
                body_html=body_html,
                attachments=list(attachments or []),
                due_at=timezone.now(),
                idempotency_key=key[:200],
            )
        ]
    )
    return message


def messages_cancel_for_booking(*, booking, template_keys: tuple[str, ...], reason: str) -> int:
    """Suppress queued messages of a booking (stale reminders after a move or cancellation).

    Call inside the transaction that changes the booking. Rows a worker holds right now are
    left alone; the send-time check (delivery.py) stops them if they no longer apply.
    """
    return Message.objects.filter(
        booking=booking, template_key__in=template_keys, status=Message.Status.QUEUED
    ).update(
        status=Message.Status.SUPPRESSED,
        status_reason=reason[:100],
        claimed_until=None,
        updated_at=timezone.now(),
    )


def message_retry(*, message: Message) -> bool:
    """Queue a failed message again (admin action). Returns False if it was not failed."""
    updated = Message.objects.filter(pk=message.pk, status=Message.Status.FAILED).update(
        status=Message.Status.QUEUED,
        status_reason="",
        attempts=0,
        due_at=timezone.now(),
        claimed_until=None,
        dispatched_at=timezone.now(),
        updated_at=timezone.now(),
    )
    if updated:
        _dispatch_on_commit(message)
    return bool(updated)


def messages_redactable(*, created_before: datetime) -> QuerySet[Message]:
    """Finished messages created before a cut-off whose content has not been blanked yet."""
    return Message.objects.filter(
        created_at__lt=created_before,
        redacted_at__isnull=True,
        status__in=[*Message.FINAL_STATUSES, Message.Status.SENT],
    )


def message_redaction_values() -> dict:
    """The update that blanks a message's rendered content and bare address."""
    now = timezone.now()
    return {
        "subject": "",
        "body_text": "",
        "body_html": "",
        "attachments": [],
        "render_context": {},
        "to_address": "",
        "last_error": "",
        "redacted_at": now,
        "updated_at": now,
    }


def message_bodies_redact(*, older_than: timedelta | datetime = timedelta(days=90)) -> int:
    """Blank the rendered content and bare addresses of finished messages older than a cut-off.

    The row stays (status, template, provider id, times) as the record that something was sent.
    `older_than` is an age (timedelta) or a cut-off time. Returns how many rows were redacted.
    """
    cutoff = timezone.now() - older_than if isinstance(older_than, timedelta) else older_than
    return messages_redactable(created_before=cutoff).update(**message_redaction_values())
