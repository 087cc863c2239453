"""The slots API's answers, kept in the cache until something that could change them is written.

Slot reads outnumber bookings by far (every customer browsing a week asks for the same range),
and a 62-day answer costs several milliseconds of engine and JSON. An answer is stored per
service, resource and requested range with the supplier's *generation*: a token every write to
the supplier's calendar replaces after commit (bookings, busy blocks, hours, date exceptions,
services, resources, the supplier itself; see bookings.receivers). A reader fetches the answer and
the current generation in one round trip and uses the answer only when the two match.

Time changes answers too, without a write: an answer is also dropped when its first free slot
falls inside the minimum notice, at the supplier's next local midnight (the bookable range moves
on), and at the latest after SLOTS_CACHE_SECONDS: the bound on how long a payment hold that ran
out, or a write path that bypasses the model signals, can show a time as taken. The booking
itself never trusts this cache: booking_create checks the database under its constraints.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from .models import Resource, Service
from .selectors import Availability, supplier_time_zone

logger = logging.getLogger(__name__)


def _generation_key(supplier_id: int) -> str:
    return f"slots_generation_{supplier_id}"


def _answer_key(service: Service, resource: Resource | None, date_from: date, date_to: date):
    resource_part = resource.pk if resource is not None else "all"
    return f"slots_answer_{service.pk}_{resource_part}_{date_from}_{date_to}"


def slots_changed(supplier_id: int | None) -> None:
    """The supplier's calendar changed: cached slot answers go stale.

    The token is replaced now, for reads later in this same transaction, and again after
    commit: a reader that cached the not-yet-committed state in between holds the first token.
    """
    if supplier_id is None:
        return
    _generation_replace(supplier_id)
    transaction.on_commit(lambda: _generation_replace(supplier_id))


def _generation_replace(supplier_id: int) -> None:
    try:
        cache.set(_generation_key(supplier_id), uuid.uuid4().hex, timeout=None)
    except Exception:  # a cache outage must not fail a booking; SLOTS_CACHE_SECONDS bounds it
        logger.warning("slot cache unavailable", exc_info=True)


def _valid_until(availability: Availability, service: Service, now: datetime) -> float:
    """POSIX second after which the answer may differ even with no write."""
    tz = supplier_time_zone(service.supplier)
    local_today = now.astimezone(tz).date()
    next_midnight = datetime.combine(local_today + timedelta(days=1), datetime.min.time(), tz)
    limits = [now.timestamp() + settings.SLOTS_CACHE_SECONDS, next_midnight.timestamp()]
    if availability.free.starts:  # sorted: the first is the first to fall inside the notice
        limits.append(availability.free.starts[0] - service.minimum_notice_minutes * 60)
    return min(limits)


def slots_body(
    *,
    service: Service,
    date_from: date,
    date_to: date,
    resource: Resource | None,
    compute: Callable[[], Availability],
    render: Callable[[Availability], str],
) -> str:
    """The JSON body for this request: the cached one if still current, else computed (and
    stored when it can be kept for at least a second)."""
    if settings.SLOTS_CACHE_SECONDS <= 0:
        return render(compute())
    generation_key = _generation_key(service.supplier_id)
    answer_key = _answer_key(service, resource, date_from, date_to)
    now = timezone.now()
    try:
        found = cache.get_many([generation_key, answer_key])
        generation = found.get(generation_key)
        answer = found.get(answer_key)
        if generation is not None and answer is not None:
            stored_generation, valid_until, body = answer
            if stored_generation == generation and now.timestamp() < valid_until:
                return body
        if generation is None:
            # No token yet (first read, or evicted): set one before reading the database, so
            # a write committing after this read replaces it and the answer below goes stale.
            cache.add(generation_key, uuid.uuid4().hex, timeout=None)
            generation = cache.get(generation_key)
    except Exception:  # the cache is an optimisation: answer from the database without it
        logger.warning("slot cache unavailable", exc_info=True)
        return render(compute())
    availability = compute()
    body = render(availability)
    timeout = int(_valid_until(availability, service, now) - now.timestamp())
    if generation is not None and timeout >= 1:
        try:
            cache.set(answer_key, (generation, now.timestamp() + timeout, body), timeout=timeout)
        except Exception:
            logger.warning("slot cache unavailable", exc_info=True)
    return body
