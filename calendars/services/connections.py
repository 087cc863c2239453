"""Connecting, watching (push notifications) and disconnecting a resource's calendar."""

from __future__ import annotations

import hmac
import logging
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, BusyBlock, Resource
from bookingtjeneste.providers import PermanentProviderError, TransientProviderError
from bookingtjeneste.secret_tokens import secret_token_hash

from .. import publish
from ..google import CalendarAuthorizationError, OAuthTokens
from ..models import CalendarConnection
from .alerts import connection_mark_needs_reauth
from .gateways import gateway_for, tokens_persist
from .push import mirrors_schedule_for_booking

logger = logging.getLogger(__name__)

CHANNEL_TTL = timedelta(days=7)  # Google's maximum for events.watch
RENEW_BEFORE = timedelta(days=1)


def webhooks_enabled() -> bool:
    """Google only delivers to HTTPS addresses; plain-HTTP sites rely on periodic sync."""
    configured = getattr(settings, "GOOGLE_CALENDAR_WEBHOOKS", None)
    if configured is not None:
        return bool(configured)
    return settings.SITE_URL.startswith("https://")


def _connect(*, resource: Resource, mode: str, tokens: OAuthTokens | None) -> CalendarConnection:
    with transaction.atomic():
        connection = (
            CalendarConnection.objects.select_for_update().filter(resource=resource).first()
        ) or CalendarConnection(resource=resource)
        connection.mode = mode
        connection.status = CalendarConnection.Status.ACTIVE
        connection.refresh_token = tokens.refresh_token if tokens else ""
        connection.access_token = tokens.access_token if tokens else ""
        connection.access_token_expires_at = tokens.expires_at if tokens else None
        # A new grant may be for another Google account: start the pull from scratch.
        connection.sync_token = ""
        connection.sync_lease_until = None
        connection.last_error = ""
        connection.save()
        # Bookings made before the calendar was connected (or while it was broken) go in too.
        upcoming = Booking.objects.filter(
            resource=resource, status=Booking.Status.CONFIRMED, end__gt=timezone.now()
        ).order_by("pk")
        for booking in upcoming:
            mirrors_schedule_for_booking(booking=booking)
        # After commit: the first pull, then the push-notification channel.
        publish.connection_sync(connection.pk)
        publish.channel_renew(connection.pk)
    return connection


def connection_connect_google(*, resource: Resource, tokens: OAuthTokens) -> CalendarConnection:
    """Store a fresh OAuth grant for `resource` (new or reconnected) and start syncing.

    Precondition: the caller checked that the user may manage `resource`.
    """
    return _connect(resource=resource, mode=CalendarConnection.Mode.GOOGLE, tokens=tokens)


def connection_connect_console(*, resource: Resource) -> CalendarConnection:
    """Console mode (no GOOGLE_OAUTH_CLIENT_ID): a connection whose gateway only records calls,
    so the whole flow (mirrors, sync, channels) runs on a development machine."""
    return _connect(resource=resource, mode=CalendarConnection.Mode.CONSOLE, tokens=None)


def connection_disconnect(*, connection: CalendarConnection) -> None:
    """Stop syncing: drop the grant and the busy blocks that came from Google.

    Events already written to Google stay in the supplier's calendar (they are theirs).
    The push channel is stopped after commit, best effort (it expires within 7 days anyway).
    """
    with transaction.atomic():
        locked = CalendarConnection.objects.select_for_update().get(pk=connection.pk)
        channel = (locked.channel_id, locked.channel_resource_id)
        gateway = gateway_for(locked) if all(channel) else None
        locked.status = CalendarConnection.Status.DISCONNECTED
        locked.refresh_token = ""
        locked.access_token = ""
        locked.access_token_expires_at = None
        locked.sync_token = ""
        locked.channel_id = locked.channel_token_hash = locked.channel_resource_id = ""
        locked.channel_expires_at = None
        locked.save()
        BusyBlock.objects.filter(
            resource_id=locked.resource_id, source=BusyBlock.Source.GOOGLE
        ).delete()
        if gateway is not None:
            transaction.on_commit(lambda: _stop_quietly(gateway, *channel))


def _stop_quietly(gateway, channel_id: str, resource_id: str) -> None:
    try:
        gateway.stop_channel(channel_id=channel_id, resource_id=resource_id)
    except (TransientProviderError, PermanentProviderError) as exc:
        logger.info("calendar channel stop skipped: %s", exc.code)


def connection_renew_channel(*, connection_id: int, force: bool = False) -> str:
    """Open a new events.watch channel when there is none or it expires within a day, then
    stop the old one. Returns "renewed", "fresh", "disabled", "inactive" or an error word."""
    if not webhooks_enabled():
        return "disabled"
    now = timezone.now()
    connection = CalendarConnection.objects.filter(
        pk=connection_id, status=CalendarConnection.Status.ACTIVE
    ).first()
    if connection is None:
        return "inactive"
    if (
        not force
        and connection.channel_id
        and connection.channel_expires_at
        and connection.channel_expires_at > now + RENEW_BEFORE
    ):
        return "fresh"
    gateway = gateway_for(connection)
    channel_id, token = str(uuid.uuid4()), secrets.token_urlsafe(32)
    try:
        answer = gateway.watch_events(
            calendar_id=connection.calendar_id,
            channel_id=channel_id,
            token=token,
            address=settings.SITE_URL + reverse("calendars_webhooks:google-calendar"),
            ttl_seconds=int(CHANNEL_TTL.total_seconds()),
        )
    except CalendarAuthorizationError as exc:
        connection_mark_needs_reauth(connection_id=connection_id, code=exc.code)
        return "needs_reauth"
    except (TransientProviderError, PermanentProviderError) as exc:
        CalendarConnection.objects.filter(pk=connection_id).update(
            last_error=f"watch {exc.code}"[:200]
        )
        return "retry" if isinstance(exc, TransientProviderError) else "failed"
    finally:
        tokens_persist(connection_id=connection_id, gateway=gateway)
    expires_ms = answer.get("expiration")
    expires_at = (
        datetime.fromtimestamp(int(expires_ms) / 1000, UTC) if expires_ms else now + CHANNEL_TTL
    )
    old = (connection.channel_id, connection.channel_resource_id)
    CalendarConnection.objects.filter(pk=connection_id).update(
        channel_id=channel_id,
        channel_token_hash=secret_token_hash(token),
        channel_resource_id=str(answer.get("resourceId", ""))[:255],
        channel_expires_at=expires_at,
    )
    if all(old):
        _stop_quietly(gateway, *old)
    return "renewed"


def connection_for_notification(*, channel_id: str, token: str, resource_id: str = ""):
    """The active connection a push notification belongs to, or None when the channel is
    unknown or the token (or Google's resource id) does not match. Constant-time compare."""
    if not channel_id or not token or len(channel_id) > 64 or len(token) > 256:
        return None
    connection = CalendarConnection.objects.filter(
        channel_id=channel_id, status=CalendarConnection.Status.ACTIVE
    ).first()
    if connection is None or not connection.channel_token_hash:
        return None
    if not hmac.compare_digest(connection.channel_token_hash, secret_token_hash(token)):
        return None
    if (
        resource_id
        and connection.channel_resource_id
        and not hmac.compare_digest(connection.channel_resource_id, resource_id)
    ):
        return None
    return connection


def connection_request_sync(*, connection: CalendarConnection) -> bool:
    """Note that Google reported a change and queue a pull (after commit). Returns False when
    one was queued moments ago (Google sends bursts)."""
    CalendarConnection.objects.filter(pk=connection.pk).update(sync_requested_at=timezone.now())
    if not cache.add(f"calendars:sync-queued:{connection.pk}", 1, timeout=5):
        return False
    publish.connection_sync(connection.pk)
    return True


def connections_due_for_sync(*, now: datetime | None = None) -> list[int]:
    """Active connections never synced, not synced for CALENDAR_POLL_MINUTES, or with a change
    reported after their last sync (the safety net under push notifications)."""
    now = now or timezone.now()
    stale = now - timedelta(minutes=int(getattr(settings, "CALENDAR_POLL_MINUTES", 15)))
    return list(
        CalendarConnection.objects.filter(status=CalendarConnection.Status.ACTIVE)
        .filter(
            Q(last_synced_at__isnull=True)
            | Q(last_synced_at__lte=stale)
            | Q(sync_requested_at__gt=F("last_synced_at"))
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def connections_due_for_channel_renewal(*, now: datetime | None = None) -> list[int]:
    if not webhooks_enabled():
        return []
    now = now or timezone.now()
    return list(
        CalendarConnection.objects.filter(status=CalendarConnection.Status.ACTIVE)
        .filter(Q(channel_expires_at__isnull=True) | Q(channel_expires_at__lte=now + RENEW_BEFORE))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
