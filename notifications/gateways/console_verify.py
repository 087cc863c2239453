"""Console phone verification: we make the code; it is logged only when DEBUG is on."""

import hashlib
import logging
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import constant_time_compare, salted_hmac

from .twilio_verify import APPROVED, EXPIRED, INCORRECT, TOO_MANY_ATTEMPTS

logger = logging.getLogger("notifications.console")

CODE_LIFETIME_SECONDS = 10 * 60
MAX_CHECKS = 5


def _key(to: str) -> str:
    return "notifications:console-verify:" + hashlib.sha256(to.encode()).hexdigest()


def _digest(code: str) -> str:
    return salted_hmac("notifications.console-verify", code).hexdigest()


class ConsoleVerifyGateway:
    name = "console"

    def start(self, *, to: str, locale: str) -> None:
        code = f"{secrets.randbelow(1_000_000):06d}"
        cache.set(
            _key(to),
            {"digest": _digest(code), "expires": time.time() + CODE_LIFETIME_SECONDS, "checks": 0},
            CODE_LIFETIME_SECONDS,
        )
        if settings.DEBUG:
            logger.warning("console phone verification code: %s", code)
        else:
            logger.info("console phone verification started (code not logged without DEBUG)")

    def check(self, *, to: str, code: str) -> str:
        state = cache.get(_key(to))
        if not state or state["expires"] < time.time():
            return EXPIRED
        if state["checks"] >= MAX_CHECKS:
            return TOO_MANY_ATTEMPTS
        if constant_time_compare(_digest(code), state["digest"]):
            cache.delete(_key(to))
            return APPROVED
        state["checks"] += 1
        cache.set(_key(to), state, max(int(state["expires"] - time.time()), 1))
        return INCORRECT
