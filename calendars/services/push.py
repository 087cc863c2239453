"""Ours → Google: booking events become EventMirror outbox rows; a task pushes each row.

Flow: a booking signal (inside the booking's transaction) calls `mirrors_schedule_for_booking`,
which writes/updates rows and, after commit, queues `calendars.tasks.push_event_mirror(id)`
(through calendars/publish.py).
The task claims the row (short transaction, lease), talks to Google outside any transaction,
then records the outcome. The periodic relay re-queues due and stuck rows.

Event content is minimised on purpose: service name, booking reference and a link to the
booking in our admin. No customer name, e-mail, phone or notes: the supplier opens the link
(behind login + MFA) when they need to know who is coming, and Google never holds more than
a pseudonymous reference. No attendees either, so Google never e-mails anyone.
"""

from __future__ import annotations

import contextlib
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bookings.models import Booking
from bookingtjeneste.providers import PermanentProviderError, TransientProviderError

from .. import publish
from ..google import CalendarAuthorizationError, EventAlreadyExists, EventGone
from ..models import CalendarConnection, EventMirror
from .alerts import connection_mark_needs_reauth
from .gateways import gateway_for, tokens_persist

logger = logging.getLogger(__name__)

# Marks our own events; pull skips them so a booking never comes back as a busy block.
REFERENCE_PROPERTY = "bookingtjeneste_reference"
MARKER_PROPERTY = "bookingtjeneste"
MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)
RELAY_BATCH = 200


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at 1 h, with ±20 % jitter so retries do not stampede."""
    seconds = min(30 * 2 ** max(attempts - 1, 0), 3600)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))  # noqa: S311 (not crypto)


def _queue_push(mirror_ids: list[int]) -> None:
    """Queue a push of each row once the current transaction commits."""
    for mirror_id in mirror_ids:
        publish.mirror_push(mirror_id)


def _mark_pending(mirror: EventMirror, *, desired: str, now: datetime) -> None:
    mirror.desired = desired
    mirror.state = EventMirror.State.PENDING
    mirror.version = F("version") + 1
    mirror.attempts = 0
    mirror.next_attempt_at = now
    mirror.last_error = ""


def mirrors_schedule_for_booking(*, booking: Booking, created: bool = False) -> list[int]:
    """Make every connected calendar reflect `booking` now (present on its resource, absent
    elsewhere). Call inside the transaction that changed the booking; pushes go after commit.

    `created`: the booking was inserted in this transaction, so no mirror row can exist yet
    and the lookup (a locking read) is skipped; the usual resource has no calendar at all.
    """
    now = timezone.now()
    changed: list[int] = []
    wants_event = booking.status == Booking.Status.CONFIRMED
    # Only the id is used: the row's other columns (encrypted tokens…) need no decoding here.
    connection_id: int | None = (
        CalendarConnection.objects.filter(resource_id=booking.resource_id)
        .exclude(status=CalendarConnection.Status.DISCONNECTED)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if created and (connection_id is None or not wants_event):
        return changed
    mirrors = (
        []
        if created
        else list(EventMirror.objects.select_for_update().filter(booking=booking).order_by("pk"))
    )
    for mirror in mirrors:
        keep = wants_event and connection_id is not None and mirror.connection_id == connection_id
        desired = EventMirror.Desired.PRESENT if keep else EventMirror.Desired.ABSENT
        # A scrubbed booking never gets its content back; only removal may still follow.
        if mirror.scrubbed and (desired != EventMirror.Desired.ABSENT or mirror.desired == desired):
            continue
        _mark_pending(mirror, desired=desired, now=now)
        mirror.booking_reference = booking.reference if not mirror.scrubbed else ""
        mirror.save()
        changed.append(mirror.pk)
    has_mirror = connection_id is not None and any(
        m.connection_id == connection_id for m in mirrors
    )
    if wants_event and connection_id is not None and not has_mirror:
        mirror = EventMirror.objects.create(
            connection_id=connection_id,
            booking=booking,
            booking_reference=booking.reference,
            next_attempt_at=now,
        )
        changed.append(mirror.pk)
    if changed:
        _queue_push(changed)
    return changed


def mirrors_remove_for_booking(*, booking: Booking) -> list[int]:
    """Remove `booking`'s events from every calendar (cancelled or deleted). Call inside its
    transaction."""
    now = timezone.now()
    changed = []
    for mirror in (
        EventMirror.objects.select_for_update()
        .filter(booking=booking)
        .exclude(desired=EventMirror.Desired.ABSENT, state=EventMirror.State.SYNCED)
        .order_by("pk")
    ):
        _mark_pending(mirror, desired=EventMirror.Desired.ABSENT, now=now)
        mirror.save()
        changed.append(mirror.pk)
    if changed:
        _queue_push(changed)
    return changed


def _admin_link(booking: Booking) -> str:
    try:
        path = reverse("admin:bookings_booking_change", args=[booking.pk])
    except NoReverseMatch:
        path = f"/admin/bookings/booking/{booking.pk}/change/"
    return f"{settings.SITE_URL}{path}"


def event_body(*, booking: Booking, desired: str) -> dict:
    """What Google gets for a booking: minimised, see the module docstring."""
    zone = booking.supplier.time_zone or settings.TIME_ZONE
    times = {
        "start": {"dateTime": booking.start.isoformat(), "timeZone": zone},
        "end": {"dateTime": booking.end.isoformat(), "timeZone": zone},
    }
    if desired == EventMirror.Desired.ANONYMISED:
        # Kept in the supplier's history as "this slot was booked", with nothing that points
        # to the person any more.
        return {
            "summary": booking.service.name,
            "description": "",
            "extendedProperties": {"private": {MARKER_PROPERTY: "1", REFERENCE_PROPERTY: ""}},
            **times,
        }
    with translation.override(settings.LANGUAGE_CODE):
        description = _("Booking %(reference)s in Bookingtjeneste: %(link)s") % {
            "reference": booking.reference,
            "link": _admin_link(booking),
        }
    return {
        "summary": f"{booking.service.name} · {booking.reference}",
        "description": description,
        "status": "confirmed",
        "transparency": "opaque",
        # Someone the supplier shares the calendar with sees "busy", not the details.
        "visibility": "private",
        "extendedProperties": {
            "private": {MARKER_PROPERTY: "1", REFERENCE_PROPERTY: booking.reference}
        },
        **times,
    }


@dataclass(frozen=True)
class _Claim:
    mirror_id: int
    connection_id: int
    calendar_id: str
    event_id: str
    desired: str
    remote_state: str
    version: int
    body: dict | None


def _claim(mirror_id: int, now: datetime) -> _Claim | str:
    with transaction.atomic():
        mirror = (
            EventMirror.objects.select_for_update(of=("self",))
            .select_related("connection")
            .filter(pk=mirror_id)
            .first()
        )
        if mirror is None:
            return "missing"
        stuck = mirror.state == EventMirror.State.SENDING and (
            mirror.lease_until is None or mirror.lease_until <= now
        )
        if mirror.state != EventMirror.State.PENDING and not stuck:
            return "not_pending"
        if mirror.next_attempt_at and mirror.next_attempt_at > now and not stuck:
            return "not_due"
        if not mirror.connection.is_active:
            return "connection_inactive"
        if stuck and mirror.attempts >= MAX_ATTEMPTS:
            # Every try died without recording an outcome (worker killed, bug): stop here.
            mirror.state = EventMirror.State.FAILED
            mirror.lease_until = mirror.next_attempt_at = None
            mirror.last_error = "stuck"
            mirror.save(update_fields=["state", "lease_until", "next_attempt_at", "last_error"])
            return "failed"
        desired = mirror.desired
        booking = (
            Booking.objects.select_related("service", "supplier")
            .filter(pk=mirror.booking_id)
            .first()
        )
        if booking is None and desired != EventMirror.Desired.ABSENT:
            desired = EventMirror.Desired.ABSENT
        body = event_body(booking=booking, desired=desired) if booking else None
        mirror.state = EventMirror.State.SENDING
        mirror.lease_until = now + LEASE
        mirror.attempts += 1
        if desired == EventMirror.Desired.PRESENT and mirror.remote_state == "none":
            # From here on an event may exist even if we never hear back.
            mirror.remote_state = EventMirror.RemoteState.MAYBE
        mirror.save(update_fields=["state", "lease_until", "attempts", "remote_state"])
        return _Claim(
            mirror_id=mirror.pk,
            connection_id=mirror.connection_id,
            calendar_id=mirror.connection.calendar_id,
            event_id=mirror.google_event_id,
            desired=desired,
            remote_state=mirror.remote_state,
            version=mirror.version,
            body=body,
        )


def _send(gateway, claim: _Claim) -> str:
    """Make Google match the claim; returns the new remote_state."""
    calendar, event_id = claim.calendar_id, claim.event_id
    if claim.desired == EventMirror.Desired.ABSENT:
        if claim.remote_state != EventMirror.RemoteState.NONE:
            # EventGone: removed in Google already, which is the outcome we want.
            with contextlib.suppress(EventGone):
                gateway.delete_event(calendar_id=calendar, event_id=event_id)
        return EventMirror.RemoteState.NONE
    if claim.desired == EventMirror.Desired.ANONYMISED:
        if claim.remote_state == EventMirror.RemoteState.NONE:
            return EventMirror.RemoteState.NONE
        try:
            gateway.patch_event(calendar_id=calendar, event_id=event_id, body=claim.body)
        except EventGone:
            return EventMirror.RemoteState.NONE
        return EventMirror.RemoteState.EXISTS
    if claim.remote_state == EventMirror.RemoteState.EXISTS:
        try:
            gateway.patch_event(calendar_id=calendar, event_id=event_id, body=claim.body)
            return EventMirror.RemoteState.EXISTS
        except EventGone:
            pass  # removed for good in Google: create it again below
    try:
        gateway.insert_event(calendar_id=calendar, body={"id": event_id, **claim.body})
    except EventAlreadyExists:
        # An earlier try got through (or the event was cancelled in Google): bring it in line.
        gateway.patch_event(calendar_id=calendar, event_id=event_id, body=claim.body)
    return EventMirror.RemoteState.EXISTS


def mirror_push(*, mirror_id: int) -> str:
    """Push one outbox row to Google. Idempotent: a row that is not pending and due is left
    alone. Transient errors → pending with backoff (at most MAX_ATTEMPTS), a revoked grant →
    connection `needs_reauth` (row waits for reconnection), other errors → failed.
    Returns a short outcome word (for logs and tests).
    """
    now = timezone.now()
    claim = _claim(mirror_id, now)
    if isinstance(claim, str):
        return claim
    connection = CalendarConnection.objects.get(pk=claim.connection_id)
    gateway = gateway_for(connection)
    outcome, error, remote_state = "synced", None, claim.remote_state
    try:
        remote_state = _send(gateway, claim)
    except CalendarAuthorizationError as exc:
        outcome, error = "needs_reauth", exc
    except TransientProviderError as exc:
        outcome, error = "retry", exc
    except PermanentProviderError as exc:
        outcome, error = "failed", exc
    finally:
        tokens_persist(connection_id=claim.connection_id, gateway=gateway)
    return _record(claim, outcome=outcome, error=error, remote_state=remote_state)


def _record(claim: _Claim, *, outcome: str, error: Exception | None, remote_state: str) -> str:
    now = timezone.now()
    requeue = False
    with transaction.atomic():
        mirror = EventMirror.objects.select_for_update().get(pk=claim.mirror_id)
        mirror.lease_until = None
        mirror.remote_state = remote_state
        code = getattr(error, "code", "") if error else ""
        mirror.last_error = f"{code} {getattr(error, 'detail', '')}".strip()[:200]
        if outcome == "synced":
            mirror.synced_at = now
            if mirror.version == claim.version:
                mirror.state = EventMirror.State.SYNCED
                mirror.next_attempt_at = None
            else:
                # Changed while we were sending: push the newer version too.
                mirror.state = EventMirror.State.PENDING
                mirror.next_attempt_at = now
                mirror.attempts = 0
                requeue = True
        elif outcome == "needs_reauth":
            mirror.state = EventMirror.State.PENDING
            mirror.attempts = max(mirror.attempts - 1, 0)  # not this row's fault
            mirror.next_attempt_at = now
            connection_mark_needs_reauth(connection_id=claim.connection_id, code=code)
        elif outcome == "retry" and mirror.attempts < MAX_ATTEMPTS:
            mirror.state = EventMirror.State.PENDING
            mirror.next_attempt_at = now + backoff(mirror.attempts)
        else:
            outcome = "failed"
            mirror.state = EventMirror.State.FAILED
            mirror.next_attempt_at = None
        mirror.save()
        if requeue:
            _queue_push([mirror.pk])
    if error:
        logger.warning(
            "calendar push %s for mirror %s: %s", outcome, claim.mirror_id, mirror.last_error
        )
    return outcome


def mirrors_relay(*, limit: int = RELAY_BATCH) -> list[int]:
    """Ids of due pending rows and rows stuck in `sending` past their lease, on active
    connections. Rows locked by a running claim are skipped, not waited for."""
    now = timezone.now()
    with transaction.atomic():
        return list(
            EventMirror.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(connection__status=CalendarConnection.Status.ACTIVE)
            .filter(
                Q(state=EventMirror.State.PENDING)
                & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
                | Q(state=EventMirror.State.SENDING)
                & (Q(lease_until__isnull=True) | Q(lease_until__lte=now))
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )


def mirror_retry(*, mirror: EventMirror) -> None:
    """Staff asked to try a failed row again (admin action)."""
    with transaction.atomic():
        locked = EventMirror.objects.select_for_update().get(pk=mirror.pk)
        if locked.state == EventMirror.State.SENDING:
            return
        locked.state = EventMirror.State.PENDING
        locked.attempts = 0
        locked.next_attempt_at = timezone.now()
        locked.save(update_fields=["state", "attempts", "next_attempt_at", "updated_at"])
        _queue_push([locked.pk])
