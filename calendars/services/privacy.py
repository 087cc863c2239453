"""Privacy hooks: export what we sent to Google about a person, and scrub it.

What the calendar integration holds about a customer: EventMirror rows (booking reference,
event id, sync state) and the events in suppliers' Google calendars, whose content is the
service name, the booking reference and an admin link (see services/push.py). No name,
e-mail, phone or notes ever go to Google or into these tables.
"""

from __future__ import annotations

from django.utils import timezone

from ..models import EventMirror
from .push import _mark_pending, _queue_push, event_body


def calendar_events_scrub_for_user(*, user) -> int:
    """Remove (upcoming bookings) or strip of the booking reference (past bookings) every
    Google event of `user`'s bookings; returns how many rows were queued.

    Call inside the erasure's transaction and BEFORE the bookings are deleted or detached
    from the user. Each row is pushed like any other (tracked, retried with backoff, failures
    visible in the admin); `scrubbed` keeps later booking events from restoring content.
    Idempotent: rows already scrubbed are left alone.
    """
    now = timezone.now()
    changed = []
    mirrors = (
        EventMirror.objects.select_for_update(of=("self",))
        .select_related("booking")
        .filter(booking__customer=user, scrubbed=False)
        .order_by("pk")
    )
    for mirror in mirrors:
        booking = mirror.booking
        past = booking is not None and booking.end <= now
        keep_history = past and mirror.desired != EventMirror.Desired.ABSENT
        desired = EventMirror.Desired.ANONYMISED if keep_history else EventMirror.Desired.ABSENT
        _mark_pending(mirror, desired=desired, now=now)
        mirror.scrubbed = True
        mirror.booking_reference = ""
        mirror.save()
        changed.append(mirror.pk)
    if changed:
        _queue_push(changed)
    return len(changed)


def calendar_data_export_for_user(*, user) -> list[dict]:
    """One entry per calendar event we keep (or kept) for `user`'s bookings: which calendar,
    its state, and exactly the content that was sent to Google."""
    rows = []
    mirrors = (
        EventMirror.objects.select_related(
            "connection__resource", "booking__service", "booking__supplier"
        )
        .filter(booking__customer=user)
        .order_by("pk")
    )
    for mirror in mirrors:
        booking = mirror.booking
        rows.append(
            {
                "booking_reference": booking.reference,
                "calendar_of": mirror.connection.resource.name,
                "recipient": "Google Calendar (Google LLC), the supplier's own calendar",
                "google_event_id": mirror.google_event_id,
                "desired": mirror.desired,
                "state": mirror.state,
                "scrubbed": mirror.scrubbed,
                "synced_at": mirror.synced_at.isoformat() if mirror.synced_at else None,
                "content_sent": (
                    None
                    if mirror.desired == EventMirror.Desired.ABSENT
                    else event_body(booking=booking, desired=mirror.desired)
                ),
            }
        )
    return rows
