"""Google → us: busy time in a connected calendar becomes BusyBlock(source="google").

Incremental sync with Google's sync token (events.list syncToken → nextSyncToken); the first
sync, and any sync after 410 Gone, is a full sync from yesterday onwards that also removes
blocks whose events vanished meanwhile. What is kept of an event: its id, start and end.
Titles, descriptions, attendees and locations are never read into the database (data
minimisation: the slot engine only needs "busy from–to").
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bookings.models import BusyBlock
from bookings.slot_cache import slots_changed
from bookingtjeneste.providers import PermanentProviderError, TransientProviderError

from ..google import CalendarAuthorizationError, SyncTokenExpired
from ..models import CalendarConnection, EventMirror
from .alerts import connection_mark_needs_reauth
from .gateways import gateway_for, tokens_persist
from .push import MARKER_PROPERTY, REFERENCE_PROPERTY

logger = logging.getLogger(__name__)

SYNC_LEASE = timedelta(minutes=10)
FULL_SYNC_LOOKBACK = timedelta(days=1)
MAX_PAGES = 200  # 50,000 events: a runaway pagination guard, far above any real calendar


def _horizon_days() -> int:
    return int(getattr(settings, "CALENDAR_SYNC_HORIZON_DAYS", 400))


def _parse_point(point: dict, zone: ZoneInfo) -> datetime | None:
    if point.get("dateTime"):
        try:
            value = datetime.fromisoformat(point["dateTime"])
        except ValueError:
            return None
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if point.get("date"):
        # All-day events: midnight in the supplier's zone (the calendar's own zone would be
        # another guess; the supplier's is the one their opening hours are written in).
        try:
            day = date.fromisoformat(point["date"])
        except ValueError:
            return None
        return datetime.combine(day, time(0), tzinfo=zone)
    return None


def _declined_by_owner(event: dict) -> bool:
    return any(
        attendee.get("self") and attendee.get("responseStatus") == "declined"
        for attendee in event.get("attendees") or []
    )


def busy_interval(event: dict, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """The busy interval an event stands for, or None when it does not make the owner busy:
    cancelled, "free" (transparent), declined, or malformed. End dates of all-day events are
    exclusive in Google, as in BusyBlock, so multi-day events need no adjustment."""
    if event.get("status") == "cancelled" or event.get("transparency") == "transparent":
        return None
    if _declined_by_owner(event):
        return None
    start = _parse_point(event.get("start") or {}, zone)
    end = _parse_point(event.get("end") or {}, zone)
    if start is None or end is None or end <= start:
        return None
    return start, end


def _is_ours(event: dict, our_ids: set[str]) -> bool:
    private = (event.get("extendedProperties") or {}).get("private") or {}
    return event.get("id") in our_ids or MARKER_PROPERTY in private or REFERENCE_PROPERTY in private


def _apply_page(connection: CalendarConnection, events: list[dict], now: datetime) -> set[str]:
    """Upsert/delete the blocks of one page in one transaction; returns the busy event ids."""
    resource_id = connection.resource_id
    zone = ZoneInfo(connection.resource.supplier.time_zone or settings.TIME_ZONE)
    ids = [str(event["id"]) for event in events if event.get("id")]
    our_ids = set(
        EventMirror.objects.filter(connection=connection, google_event_id__in=ids).values_list(
            "google_event_id", flat=True
        )
    )
    horizon = now + timedelta(days=_horizon_days())
    busy: dict[str, tuple[datetime, datetime]] = {}
    for event in events:
        event_id = str(event.get("id") or "")
        if not event_id or len(event_id) > 255 or _is_ours(event, our_ids):
            continue
        interval = busy_interval(event, zone)
        if interval and interval[1] > now - FULL_SYNC_LOOKBACK and interval[0] < horizon:
            busy[event_id] = interval
    with transaction.atomic():
        blocks = BusyBlock.objects.filter(
            resource_id=resource_id, source=BusyBlock.Source.GOOGLE, external_id__in=ids
        )
        existing = {block.external_id: block for block in blocks.select_for_update()}
        # Everything on this page that is no longer busy time (cancelled, free, ours, past).
        stale = [event_id for event_id in existing if event_id not in busy]
        if stale:
            blocks.filter(external_id__in=stale).delete()
        to_update, to_create = [], []
        for event_id, (start, end) in busy.items():
            block = existing.get(event_id)
            if block is None:
                to_create.append(
                    BusyBlock(
                        resource_id=resource_id,
                        source=BusyBlock.Source.GOOGLE,
                        external_id=event_id,
                        start=start,
                        end=end,
                    )
                )
            elif block.start != start or block.end != end:
                block.start, block.end = start, end
                to_update.append(block)
        BusyBlock.objects.bulk_create(to_create)
        BusyBlock.objects.bulk_update(to_update, ["start", "end"])
        if to_create or to_update:  # bulk writes send no model signals
            slots_changed(connection.resource.supplier_id)
    return set(busy)


def _claim_sync(connection_id: int, now: datetime) -> bool:
    return bool(
        CalendarConnection.objects.filter(pk=connection_id, status=CalendarConnection.Status.ACTIVE)
        .filter(Q(sync_lease_until__isnull=True) | Q(sync_lease_until__lte=now))
        .update(sync_lease_until=now + SYNC_LEASE)
    )


def _run_sync(connection: CalendarConnection, gateway, now: datetime) -> tuple[str, str]:
    """Page through events.list; returns (kind, next sync token). Raises gateway errors."""
    sync_token = connection.sync_token
    try:
        return _list_all(connection, gateway, now, sync_token=sync_token)
    except SyncTokenExpired:
        logger.info("calendar sync token expired for connection %s: full sync", connection.pk)
        return _list_all(connection, gateway, now, sync_token="")


def _list_all(connection, gateway, now: datetime, *, sync_token: str) -> tuple[str, str]:
    full = not sync_token
    time_min = (now - FULL_SYNC_LOOKBACK).isoformat() if full else ""
    seen: set[str] = set()
    page_token = ""
    for _page in range(MAX_PAGES):
        page = gateway.list_events(
            calendar_id=connection.calendar_id,
            sync_token=sync_token,
            time_min=time_min,
            page_token=page_token,
        )
        seen |= _apply_page(connection, page.get("items") or [], now)
        page_token = page.get("nextPageToken") or ""
        if not page_token:
            break
    else:
        raise PermanentProviderError("too_many_pages", "events.list")
    if full:
        # A full list is the whole truth: blocks whose events were not listed are gone.
        BusyBlock.objects.filter(
            resource_id=connection.resource_id, source=BusyBlock.Source.GOOGLE
        ).exclude(external_id__in=seen).delete()
    return ("full" if full else "incremental"), str(page.get("nextSyncToken") or "")


def connection_sync(*, connection_id: int) -> str:
    """Pull changes of one active connection into its resource's busy blocks.

    Safe to call concurrently (a lease lets one run at a time; others return "busy") and
    repeatedly. Returns "full", "incremental", "busy", "inactive", "retry", "needs_reauth"
    or "failed".
    """
    now = timezone.now()
    if not _claim_sync(connection_id, now):
        exists = CalendarConnection.objects.filter(
            pk=connection_id, status=CalendarConnection.Status.ACTIVE
        ).exists()
        return "busy" if exists else "inactive"
    connection = CalendarConnection.objects.select_related("resource__supplier").get(
        pk=connection_id
    )
    gateway = gateway_for(connection)
    updates: dict = {"sync_lease_until": None}
    try:
        kind, next_token = _run_sync(connection, gateway, now)
    except CalendarAuthorizationError as exc:
        connection_mark_needs_reauth(connection_id=connection_id, code=exc.code)
        kind = "needs_reauth"
    except TransientProviderError as exc:
        updates["last_error"] = f"sync {exc.code}"[:200]
        kind = "retry"
    except PermanentProviderError as exc:
        updates["last_error"] = f"sync {exc.code} {exc.detail}".strip()[:200]
        updates["sync_token"] = ""  # start over with a full sync next time
        kind = "failed"
    else:
        updates.update(sync_token=next_token, last_synced_at=now, last_error="")
    finally:
        tokens_persist(connection_id=connection_id, gateway=gateway)
    CalendarConnection.objects.filter(pk=connection_id).update(**updates)
    if kind in ("retry", "failed"):
        logger.warning("calendar sync %s for connection %s", kind, connection_id)
    return kind
