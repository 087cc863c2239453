"""The private calendar feed URL: /calendar/feed/<token>.ics (no login; the token is the key)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from bookingtjeneste.client_ip import client_ip
from privacy.ratelimit import rate_limit_exceeded

from .feeds import calendar_feed_bookings, calendar_feed_for_token
from .ical import feed_ics

# Calendar apps poll every 15 minutes or so; a whole salon behind one address stays far below.
FEED_RATE_LIMIT = 120
FEED_RATE_WINDOW_SECONDS = 3600


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    # Counted before the lookup, so guessing tokens is throttled like any other request.
    if rate_limit_exceeded(
        scope="calendar-feed",
        key=client_ip(request),
        limit=FEED_RATE_LIMIT,
        window_seconds=FEED_RATE_WINDOW_SECONDS,
    ):
        return HttpResponse(status=429, headers={"Retry-After": str(FEED_RATE_WINDOW_SECONDS)})
    feed = calendar_feed_for_token(token)
    if feed is None:
        raise Http404  # unknown, revoked or malformed: the same answer for all three
    name = f"{feed.supplier.name} – {feed.resource.name}" if feed.resource else feed.supplier.name
    response = HttpResponse(
        feed_ics(calendar_feed_bookings(feed), name=name),
        content_type="text/calendar; charset=utf-8",
    )
    # Bookings of the salon alone: never cached by a proxy, never indexed.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
