"""A fixed-window rate limit in the cache (Redis in production), for forms outside DRF."""

import hashlib

from django.core.cache import cache

from bookingtjeneste.client_ip import client_ip


def rate_parse(value: str) -> tuple[int, int]:
    """A rate setting such as "10/m" as (attempts, window in seconds)."""
    count, _slash, period = value.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[:1] or "m"]
    return int(count), seconds


def rate_limit_exceeded(*, scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt for (scope, key); True once more than `limit` fall in the window.

    The key is hashed so that no IP address or user id is stored in the cache in clear.
    """
    digest = hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()[:32]
    cache_key = f"privacy:rl:{scope}:{digest}"
    if cache.add(cache_key, 1, timeout=window_seconds):
        return False
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window_seconds)
        return False
    return count > limit


def client_key(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"
