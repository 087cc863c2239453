"""Private calendar feeds: making and revoking subscription tokens, and the feed's bookings.

A token is a long random secret; only its SHA-256 is stored, so the URL is shown once, when
the token is made. A revoked or unknown token finds nothing (the view answers 404).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Max, QuerySet
from django.utils import timezone

from bookingtjeneste.secret_tokens import secret_token_hash

from .models import (
    MAX_BOOKING_HORIZON_DAYS,
    Booking,
    CalendarFeedToken,
    Resource,
    Service,
    Supplier,
)

FEED_DAYS_BACK = 30
# token_urlsafe(32) gives 43 characters of [A-Za-z0-9_-]; anything else is not a token.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class NewFeed:
    feed: CalendarFeedToken
    token: str  # the secret in clear: shown once, never stored


def calendar_feed_create(
    *, supplier: Supplier, resource: Resource | None = None, label: str = ""
) -> NewFeed:
    if resource is not None and resource.supplier_id != supplier.pk:
        raise ValueError("The resource belongs to another supplier.")
    token = secrets.token_urlsafe(32)
    feed = CalendarFeedToken.objects.create(
        supplier=supplier,
        resource=resource,
        label=label,
        token_hash=secret_token_hash(token),
    )
    return NewFeed(feed=feed, token=token)


def calendar_feeds_revoke(
    *, feeds: QuerySet[CalendarFeedToken], now: datetime | None = None
) -> int:
    """Revoke every live feed in `feeds` (the caller scopes it) in one statement; how many."""
    return feeds.filter(revoked_at__isnull=True).update(revoked_at=now or timezone.now())


def calendar_feed_for_token(token: str) -> CalendarFeedToken | None:
    """The live feed for a token in clear, or None (bad format, unknown or revoked)."""
    if not TOKEN_PATTERN.fullmatch(token or ""):
        return None
    return (
        CalendarFeedToken.objects.select_related("supplier", "resource")
        .filter(token_hash=secret_token_hash(token), revoked_at__isnull=True)
        .first()
    )


def calendar_feed_bookings(
    feed: CalendarFeedToken, *, now: datetime | None = None
) -> QuerySet[Booking]:
    """The feed's bookings: 30 days back to the supplier's longest booking horizon.

    Cancelled bookings (and unpaid holds) are left out: a subscribed calendar drops them.
    """
    now = now or timezone.now()
    horizon = Service.objects.filter(supplier_id=feed.supplier_id).aggregate(
        days=Max("booking_horizon_days")
    )["days"]
    horizon = min(horizon or 60, MAX_BOOKING_HORIZON_DAYS)
    bookings = Booking.objects.filter(
        supplier_id=feed.supplier_id,
        status__in=(
            Booking.Status.CONFIRMED,
            Booking.Status.COMPLETED,
            Booking.Status.NO_SHOW,
        ),
        start__gte=now - timedelta(days=FEED_DAYS_BACK),
        start__lt=now + timedelta(days=horizon + 1),
    )
    if feed.resource_id is not None:
        bookings = bookings.filter(resource_id=feed.resource_id)
    return bookings.select_related("supplier", "service", "resource", "customer").order_by("start")
