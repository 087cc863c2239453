"""Sending outbox rows: claim, check consent, call the gateway, record the outcome.

Claiming is a compare-and-set UPDATE (queued and due, or sending with an expired claim), so
two workers, a relay and a late broker redelivery can never both send the same row; a batch
(`messages_deliver`, the relay's unit of work) locks its claimable rows with SKIP LOCKED and
claims them in one UPDATE. The provider call happens outside any transaction; its outcome is
written afterwards, row by row. A customer's booking message is rendered here, just before it
is sent (`message_render_stored`), and its text is kept with the outcome.

Delivery is therefore at-least-once, not exactly-once: a worker killed after the provider
accepted a message but before the row says `sent` leaves it `sending`, and when its claim
runs out the message is sent again. Where the provider allows, the retry is deduplicated:
Brevo receives the same idempotency key on every attempt (it sends once within its TTL), and a
retried SMS first asks Twilio for the same text to the same number (Twilio has no idempotency
key for sends). A duplicate remains possible only where neither helps: an SMS no longer among
the number's latest messages at Twilio, or a retry after Brevo's TTL (15-30 minutes).
"""

import base64
import functools
import logging
import random
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from email.utils import formataddr

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from bookingtjeneste.providers import PermanentProviderError, TransientProviderError

from ..gateways import EmailAttachment, OutgoingEmail, email_gateway, sms_gateway
from ..models import Message
from ..policy import send_decision
from ..rendering import context_load, message_render
from .events import events_apply_pending_many

logger = logging.getLogger(__name__)

# How long a worker may hold a message before the relay considers it stuck. Well above the
# gateways' HTTP timeouts, so a slow but alive worker is not overtaken.
CLAIM_LEASE = timedelta(minutes=2)
# After this, a queued message whose task never ran (broker lost it) is dispatched again.
REDISPATCH_AFTER = timedelta(minutes=2)
MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 60 * 60
RELAY_BATCH_SIZE = 500
# Rows one send task claims together and sends in turn (the relay hands them out in these).
SEND_BATCH_SIZE = 50
# A batch stops this long before its claim runs out and hands the rest back to the queue, so a
# slow provider cannot make a relay treat rows still waiting in this batch as stuck.
LEASE_MARGIN = timedelta(seconds=30)
# What the send decision and rendering read, fetched with the claim (no query per message).
CLAIM_RELATED = (
    "recipient",
    "booking",
    "booking__supplier",
    "booking__service",
    "booking__resource",
)
# Twilio's clock against ours, when looking for an SMS an earlier attempt sent.
PROVIDER_CLOCK_SKEW = timedelta(minutes=5)


def backoff_delay(attempts: int) -> timedelta:
    """30 s, 60 s, 2 min, … capped at 1 h, with ±20 % jitter so retries do not stampede."""
    seconds = min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))  # noqa: S311 - not crypto


def message_claim(*, message_id: int, now: datetime | None = None) -> Message | None:
    """Take a message for sending; None if it is not due, already taken, or finished.

    A message whose workers kept dying (claim expired MAX_ATTEMPTS times) is failed instead,
    so one poisonous row cannot loop forever.
    """
    now = now or timezone.now()
    taken = Message.objects.filter(_claimable(now), pk=message_id).update(
        status=Message.Status.SENDING,
        claimed_until=now + CLAIM_LEASE,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    if not taken:
        _fail_exhausted([message_id], now=now)
        return None
    return Message.objects.select_related(*CLAIM_RELATED).get(pk=message_id)


def _claimable(now: datetime) -> Q:
    return Q(status=Message.Status.QUEUED, due_at__lte=now) | Q(
        status=Message.Status.SENDING, claimed_until__lt=now, attempts__lt=MAX_ATTEMPTS
    )


def _fail_exhausted(message_ids: list[int], *, now: datetime) -> None:
    Message.objects.filter(
        pk__in=message_ids,
        status=Message.Status.SENDING,
        claimed_until__lt=now,
        attempts__gte=MAX_ATTEMPTS,
    ).update(
        status=Message.Status.FAILED,
        status_reason="max_attempts",
        claimed_until=None,
        updated_at=now,
    )


def messages_claim(*, message_ids: list[int], now: datetime | None = None) -> list[Message]:
    """message_claim for a batch: the claimable ones among `message_ids`, in pk order.

    One locking SELECT (SKIP LOCKED: rows another worker is claiming right now are left to it)
    with what sending reads, and one UPDATE; the claim commits before anything is sent.
    """
    now = now or timezone.now()
    lease_end = now + CLAIM_LEASE
    with transaction.atomic():
        messages = list(
            Message.objects.filter(_claimable(now), pk__in=message_ids)
            .select_related(*CLAIM_RELATED)
            .order_by("pk")
            .select_for_update(skip_locked=True, of=("self",))
        )
        if messages:
            Message.objects.filter(pk__in=[message.pk for message in messages]).update(
                status=Message.Status.SENDING,
                claimed_until=lease_end,
                attempts=F("attempts") + 1,
                updated_at=now,
            )
    for message in messages:
        message.status = Message.Status.SENDING
        message.claimed_until = lease_end
        message.attempts += 1
        message.updated_at = now
    if len(messages) < len(set(message_ids)):
        _fail_exhausted(message_ids, now=now)
    return messages


def _release(messages: list[Message]) -> int:
    """Hand claimed, unsent rows back to the queue at once (no attempt spent on them)."""
    if not messages:
        return 0
    return Message.objects.filter(
        pk__in=[message.pk for message in messages],
        status=Message.Status.SENDING,
        claimed_until=messages[0].claimed_until,
    ).update(
        status=Message.Status.QUEUED,
        claimed_until=None,
        dispatched_at=None,
        attempts=F("attempts") - 1,
        updated_at=timezone.now(),
    )


def _finish(message: Message, **fields) -> bool:
    """Write the outcome, but only while we still hold the claim (attempt number matches).

    A message rendered at send time keeps its text from now on (the record of what was sent,
    and what a retry looks for at Twilio); a finished one no longer needs its context.
    """
    fields.setdefault("claimed_until", None)
    fields["updated_at"] = timezone.now()
    if getattr(message, "rendered_at_send", False):
        fields.update(
            subject=message.subject,
            body_text=message.body_text,
            body_html=message.body_html,
            render_context={},
        )
    elif message.render_context and fields.get("status") in Message.FINAL_STATUSES:
        fields["render_context"] = {}
    return bool(
        Message.objects.filter(
            pk=message.pk, status=Message.Status.SENDING, attempts=message.attempts
        ).update(**fields)
    )


def _status_callback_url() -> str:
    return _status_callback_url_for(settings.SITE_URL)


@functools.lru_cache(maxsize=4)
def _status_callback_url_for(site_url: str) -> str:
    return site_url + reverse("notifications_webhooks:twilio-status")


def message_render_stored(message: Message) -> bool:
    """Render a message queued with its context (a customer's own booking message).

    Fills in the message's subject and bodies (not saved: the outcome's update writes them).
    True for a message rendered when it was queued (nothing to do). False, rendering nothing,
    when its booking was erased meanwhile: deleted, or no longer the
    recipient's (the customer link goes with an erased account). The text is in the message's
    language, with the booking, its supplier, service and resource as they are now.
    """
    if not message.render_context:
        return True
    booking = message.booking
    if booking is None or booking.customer_id != message.recipient_id:
        return False
    context = context_load(
        message.render_context.get("context", {}),
        known=(booking, booking.supplier, booking.service, booking.resource, message.recipient),
    )
    rendered = message_render(
        template_key=message.template_key,
        channel=message.channel,
        language=message.language,
        context={"recipient": message.recipient, "booking": booking, **context},
    )
    message.subject = rendered.subject
    message.body_text = rendered.body_text
    message.body_html = rendered.body_html
    message.rendered_at_send = True
    return True


def _unsubscribe_headers(message: Message) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe for marketing e-mail (the URL is privacy's signed one)."""
    from privacy.services import unsubscribe_url_for

    url = unsubscribe_url_for(user=message.recipient, purpose="marketing_email")
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _outgoing_email(message: Message) -> OutgoingEmail:
    user = message.recipient
    headers = {"X-Bookingtjeneste-Message": str(message.pk)}
    if message.purpose == Message.Purpose.MARKETING:
        headers.update(_unsubscribe_headers(message))
    return OutgoingEmail(
        to=message.to_address or user.message_email,
        to_name=(user.full_name if user and not message.to_address else ""),
        subject=message.subject,
        text=message.body_text,
        html=message.body_html,
        attachments=tuple(
            EmailAttachment(
                name=item["name"],
                content_type=item.get("content_type", "application/octet-stream"),
                content=_attachment_content(message, item),
            )
            for item in message.attachments
            # A booking's calendar file needs the booking (gone: its e-mail is suppressed).
            if message.booking is not None or not item.get("booking_ics")
        ),
        headers=headers,
        tags=(message.template_key, f"outbox-{message.pk}"),
        idempotency_key=_provider_idempotency_key(message),
    )


def _attachment_content(message: Message, item: dict) -> bytes:
    if item.get("booking_ics"):
        # Written at send time, from the booking as it is now (the booking request skips it).
        from bookings.ical import booking_ics

        return booking_ics(message.booking).encode()
    if "content_base64" in item:
        return base64.b64decode(item["content_base64"])
    return item["content"].encode()


def _provider_idempotency_key(message: Message) -> str:
    """A UUID fixed for this row: the site and creation time keep it apart from the same pk in
    another installation or a restored database sharing the provider account."""
    name = f"{settings.SITE_URL}/outbox/{message.pk}/{message.created_at.isoformat()}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def _sms_already_accepted(message: Message) -> str:
    """On a retry, the SID of this SMS if an earlier attempt reached Twilio after all.

    An attempt whose worker died after Twilio accepted, or whose answer was lost to a
    timeout, leaves the row without the SID; Twilio has no idempotency key, so ask it.
    """
    if message.channel != Message.Channel.SMS or message.attempts <= 1:
        return ""
    return sms_gateway().find_accepted(
        to=message.to_address or str(message.recipient.phone),
        body=message.body_text,
        since=message.created_at - PROVIDER_CLOCK_SKEW,
    )


def _provider_send(message: Message) -> str:
    if message.channel == Message.Channel.SMS:
        return sms_gateway().send(
            to=message.to_address or str(message.recipient.phone),
            body=message.body_text,
            status_callback=_status_callback_url(),
        )
    return email_gateway().send(_outgoing_email(message))


def message_deliver(*, message_id: int) -> str:
    """Send one outbox message if it is due and unclaimed. Returns the resulting status.

    Idempotent: safe to call twice, from a task, the relay or a redelivered broker message.
    Must not run inside a transaction (the provider call would then happen before commit).
    """
    message = message_claim(message_id=message_id)
    if message is None:
        return "not_claimed"
    status = _deliver_guarded(message)
    if status == Message.Status.SENT:
        # A fast provider may have called our webhook before we knew its id: apply that now.
        events_apply_pending_many(provider_message_ids=[message.provider_message_id])
    return status


def messages_deliver(*, message_ids: list[int]) -> dict[str, int]:
    """message_deliver for a batch: claim them together, send in turn. Counts per status.

    The same guarantees per message; a row not claimable (taken, finished, not due) is skipped.
    When the batch runs close to its claim's end, the unsent rest goes back to the queue.
    """
    messages = messages_claim(message_ids=message_ids)
    outcomes: Counter[str] = Counter(not_claimed=len(set(message_ids)) - len(messages))
    deadline = time.monotonic() + (CLAIM_LEASE - LEASE_MARGIN).total_seconds()
    sms_consents = _sms_consents(messages)
    sent_ids = []
    for index, message in enumerate(messages):
        if time.monotonic() > deadline:
            outcomes["released"] += _release(messages[index:])
            break
        status = _deliver_guarded(message, sms_consents=sms_consents)
        outcomes[status] += 1
        if status == Message.Status.SENT:
            sent_ids.append(message.provider_message_id)
    events_apply_pending_many(provider_message_ids=sent_ids)
    return dict(outcomes)


def _sms_consents(messages: list[Message]) -> dict[int, bool]:
    """The batch's SMS consents in a constant number of queries (read once, at claim time).

    A withdrawal landing while the batch is being sent is therefore seen by the next claim,
    not by a message later in this one: the same race a single send has between its check
    and the provider call, widened to the batch's few seconds.
    """
    from privacy.selectors import consents_for_users

    recipients = {
        message.recipient.pk: message.recipient
        for message in messages
        if message.channel == Message.Channel.SMS
        and message.purpose == Message.Purpose.TRANSACTIONAL
        and message.recipient is not None
    }
    if not recipients:
        return {}
    return consents_for_users(
        users=list(recipients.values()), purpose="sms_notifications", honour_restriction=False
    )


def _deliver_guarded(message: Message, *, sms_consents: dict[int, bool] | None = None) -> str:
    try:
        return _deliver_claimed(message, sms_consents=sms_consents)
    except Exception as error:
        # A bug or an unexpected SDK error: retried like a transient one (bounded), logged
        # with the traceback but without content, and never left stuck in `sending`.
        logger.exception("message %s: unexpected error while sending", message.pk)
        _retry_or_fail(message, TransientProviderError("internal_error", type(error).__name__))
        return Message.Status.QUEUED


def _retry_or_fail(message: Message, error: TransientProviderError) -> str:
    if message.attempts >= MAX_ATTEMPTS:
        _finish(
            message,
            status=Message.Status.FAILED,
            status_reason="max_attempts",
            last_error=str(error)[:500],
        )
        logger.warning("message %s failed after %d attempts", message.pk, message.attempts)
        return Message.Status.FAILED
    _finish(
        message,
        status=Message.Status.QUEUED,
        due_at=timezone.now() + backoff_delay(message.attempts),
        last_error=str(error)[:500],
        dispatched_at=None,
    )
    logger.info("message %s: transient error %s, retry scheduled", message.pk, error.code)
    return Message.Status.QUEUED


def _deliver_claimed(message: Message, *, sms_consents: dict[int, bool] | None = None) -> str:
    decision = send_decision(message, sms_consents=sms_consents)
    if not decision.allowed:
        _finish(message, status=Message.Status.SUPPRESSED, status_reason=decision.reason)
        logger.info("message %s suppressed: %s", message.pk, decision.reason)
        return Message.Status.SUPPRESSED
    if not message_render_stored(message):
        _finish(message, status=Message.Status.SUPPRESSED, status_reason="booking_erased")
        logger.info("message %s suppressed: booking_erased", message.pk)
        return Message.Status.SUPPRESSED

    try:
        provider_id = _sms_already_accepted(message) or _provider_send(message)
    except PermanentProviderError as error:
        _finish(
            message,
            status=Message.Status.FAILED,
            status_reason=error.code[:100],
            last_error=str(error)[:500],
        )
        logger.warning("message %s failed permanently: %s", message.pk, error.code)
        _after_permanent_failure(message, error)
        return Message.Status.FAILED
    except TransientProviderError as error:
        return _retry_or_fail(message, error)

    now = timezone.now()
    message.provider_message_id = provider_id[:255]
    _finish(
        message,
        status=Message.Status.SENT,
        status_reason="",
        provider_message_id=message.provider_message_id,
        marketing_basis=decision.marketing_basis,
        sent_at=now,
        last_error="",
    )
    return Message.Status.SENT


def _after_permanent_failure(message: Message, error: PermanentProviderError) -> None:
    """Twilio 21610: the number replied STOP to us, so the ledger must say so too."""
    if message.channel == Message.Channel.SMS and error.code == "21610" and message.recipient:
        from .events import sms_opt_out_apply

        sms_opt_out_apply(users=[message.recipient])


def outbox_relay(*, now: datetime | None = None, limit: int = RELAY_BATCH_SIZE) -> list[int]:
    """Find due, lost or stuck messages and return their ids for dispatch.

    Rows are locked with SKIP LOCKED so two relays running at once split the work instead of
    both dispatching it; each gets `dispatched_at` so the next run does not dispatch it again
    before REDISPATCH_AFTER. The send itself still claims with a compare-and-set.
    """
    now = now or timezone.now()
    due = Q(status=Message.Status.QUEUED, due_at__lte=now) & (
        Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - REDISPATCH_AFTER)
    )
    stuck = Q(status=Message.Status.SENDING, claimed_until__lt=now)
    with transaction.atomic():
        ids = list(
            Message.objects.filter(due | stuck)
            .order_by("due_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Message.objects.filter(pk__in=ids).update(dispatched_at=now)
    return ids


def sender_address() -> str:
    """DEFAULT_FROM_EMAIL, normalised (display name + address)."""
    from email.utils import parseaddr

    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((name, address)) if name else address
