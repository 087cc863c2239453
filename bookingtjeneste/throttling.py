"""The API's default rate limits in one check: DRF's anon and user rates, one Redis round trip.

DRF's AnonRateThrottle and UserRateThrottle each read and then write a pickled list of
timestamps: four Redis round trips per anonymous request, and between the read and the write
another request can slip through. Here both rates are checked by one Lua script on Redis
sorted sets (one EVALSHA, atomic). The limits and the 429 answer are DRF's: the same rates
(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] "anon" and "user"), the same sliding window, an
anonymous client counted against both rates by address, a signed-in user against "user" only,
a refused request not counted by the rate that refused it, and Retry-After computed as
DRF's `wait()` does. Without Redis (the embedded SQLite set-up) the check uses DRF's own
throttles on the local cache.
"""

from __future__ import annotations

import secrets
import time
from functools import cache as memoize

import redis
from django.conf import settings
from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, BaseThrottle, UserRateThrottle

# For each key: drop what left the window, count, and record this request if under the limit.
# Returns per key: allowed (1/0), requests in the window, the oldest one's timestamp.
SLIDING_WINDOW = """
local now = tonumber(ARGV[1])
local result = {}
for index, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[index * 2 + 1])
  local duration = tonumber(ARGV[index * 2 + 2])
  if redis.call('TYPE', key).ok ~= 'zset' then
    redis.call('DEL', key)
  end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - duration)
  local count = redis.call('ZCARD', key)
  local allowed = 0
  if count < limit then
    redis.call('ZADD', key, ARGV[1], ARGV[2] .. ':' .. index)
    redis.call('EXPIRE', key, math.ceil(duration))
    allowed = 1
  end
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  table.insert(result, allowed)
  table.insert(result, count)
  table.insert(result, oldest[2] or ARGV[1])
end
return result
"""


@memoize
def _script() -> redis.commands.core.Script | None:
    """The registered script on a client of the cache's Redis, or None without Redis.

    One client per process (redis-py re-creates its connections after a fork).
    """
    config = settings.CACHES["default"]
    if config["BACKEND"] != "django.core.cache.backends.redis.RedisCache":
        return None
    location = config["LOCATION"]
    location = location[0] if isinstance(location, list | tuple) else location
    return redis.Redis.from_url(location.split(",")[0]).register_script(SLIDING_WINDOW)


class ApiRateThrottle(BaseThrottle):
    """DRF's "anon" and "user" rates, checked together (see the module docstring)."""

    def __init__(self) -> None:
        self._wait: float | None = None

    def _limits(self, request) -> list[tuple[str, int, int]]:
        """(cache key, allowed requests, window seconds) for every rate that applies."""
        rates = api_settings.DEFAULT_THROTTLE_RATES
        user = request.user
        if user and user.is_authenticated:
            scopes = [("user", str(user.pk))]
        else:
            ident = self.get_ident(request)
            scopes = [("anon", ident), ("user", ident)]
        limits = []
        for scope, ident in scopes:
            limit, duration = _parse_rate(rates.get(scope))
            if limit is not None:
                limits.append((cache.make_key(f"throttle_api_{scope}_{ident}"), limit, duration))
        return limits

    def allow_request(self, request, view) -> bool:
        script = _script()
        if script is None:
            return self._allow_with_drf(request, view)
        limits = self._limits(request)
        if not limits:
            return True
        now = time.time()
        arguments: list[object] = [repr(now), secrets.token_hex(8)]
        for _key, limit, duration in limits:
            arguments += [limit, duration]
        reply = script(keys=[key for key, _limit, _duration in limits], args=arguments)
        waits = []
        for index, (_key, limit, duration) in enumerate(limits):
            allowed, count, oldest = reply[index * 3 : index * 3 + 3]
            if not allowed:
                waits.append(_drf_wait(now, float(oldest), int(count), limit, duration))
        if not waits:
            return True
        known = [wait for wait in waits if wait is not None]
        self._wait = max(known) if known else None
        return False

    def _allow_with_drf(self, request, view) -> bool:
        waits = []
        for throttle in (AnonRateThrottle(), UserRateThrottle()):
            if not throttle.allow_request(request, view):
                waits.append(throttle.wait())
        if not waits:
            return True
        known = [wait for wait in waits if wait is not None]
        self._wait = max(known) if known else None
        return False

    def wait(self) -> float | None:
        return self._wait


def _drf_wait(now: float, oldest: float, count: int, limit: int, duration: int) -> float | None:
    """SimpleRateThrottle.wait(): the window's remainder spread over the requests still due."""
    remaining = duration - (now - oldest) if count else duration
    available = limit - count + 1
    if available <= 0:
        return None
    return remaining / float(available)


@memoize
def _parse_rate(rate: str | None) -> tuple[int | None, int | None]:
    """SimpleRateThrottle.parse_rate: "600/min" -> (600, 60)."""
    if rate is None:
        return None, None
    number, period = rate.split("/")
    return int(number), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]
