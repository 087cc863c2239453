"""A fixed-window rate limit in the cache (Redis in production), for forms outside DRF."""

import hashlib
import time
from collections.abc import Sequence

from django.core.cache import cache

from bookingtjeneste.client_ip import client_ip


def rate_parse(value: str) -> tuple[int, int]:
    """A rate setting such as "10/m" as (attempts, window in seconds)."""
    count, _slash, period = value.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[:1] or "m"]
    return int(count), seconds


def _counter_key(scope: str, key: str) -> str:
    """Hashed, so that no IP address, phone number or user id is stored in the cache in clear."""
    digest = hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()[:32]
    return f"privacy:rl:{scope}:{digest}"


def _increment(cache_key: str, window_seconds: int) -> int:
    """+1 on a counter that lives `window_seconds` from its first count; the new value."""
    if cache.add(cache_key, 1, timeout=window_seconds):
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window_seconds)
        return 1


def rate_limit_exceeded(*, scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt for (scope, key); True once more than `limit` fall in the window."""
    return _increment(_counter_key(scope, key), window_seconds) > limit


def rate_limits_take(limits: Sequence[tuple[str, str, int, int]]) -> bool:
    """One attempt against several (scope, key, limit, window seconds) limits, all or nothing.

    True, counting the attempt against each, when every limit has room; False, counting
    nothing, when any is full: a refused attempt costs the person nothing. Windows are aligned
    to the clock (UTC), so "5 per day" is per calendar day.
    """
    now = int(time.time())
    counters = [
        (f"{_counter_key(scope, key)}:{window}:{now // window}", limit, window)
        for scope, key, limit, window in limits
    ]
    counts = cache.get_many([cache_key for cache_key, _limit, _window in counters])
    if any(counts.get(cache_key, 0) >= limit for cache_key, limit, _window in counters):
        return False
    for cache_key, _limit, window in counters:
        _increment(cache_key, window)
    return True


def client_key(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"
