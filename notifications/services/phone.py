"""Verifying a mobile number by one-time SMS code (Twilio Verify, or console mode).

Limits (cache counters, so they hold across processes with Redis), against SMS pumping (toll
fraud: bots requesting codes to premium numbers): at most 3 codes per number per 10 minutes and
5 per day, 3 per IP address per hour and 10 per day, 5 per account per day; and only to
numbers in settings.PHONE_ALLOWED_COUNTRY_CODES (Norway by default). A code lives 10 minutes and
allows 5 checks. Twilio enforces some of this on its side; ours also give distinct, clear
answers, and a refused request never reaches Twilio.
"""

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber
from phonenumbers import NumberParseException, PhoneNumberType, number_type

from bookingtjeneste.providers import PermanentProviderError, TransientProviderError
from privacy.ratelimit import rate_limits_take

from ..gateways import verify_gateway
from ..gateways.twilio_verify import APPROVED, EXPIRED, INCORRECT, TOO_MANY_ATTEMPTS

CODE_LIFETIME_SECONDS = 10 * 60
MAX_CHECKS_PER_CODE = 5
SENDS_PER_NUMBER = 3
SENDS_PER_NUMBER_WINDOW_SECONDS = 10 * 60
SENDS_PER_IP = 3
SENDS_PER_IP_WINDOW_SECONDS = 60 * 60
DAY_SECONDS = 24 * 60 * 60
SENDS_PER_NUMBER_PER_DAY = 5
SENDS_PER_IP_PER_DAY = 10
SENDS_PER_ACCOUNT_PER_DAY = 5


class PhoneVerificationError(Exception):
    """A refusal the person can act on; `code` is stable for the API, `status` its HTTP code."""

    status = 400

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class RateLimited(PhoneVerificationError):
    status = 429


@dataclass(frozen=True)
class VerificationResult:
    phone: str
    verified_at: object


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def phone_normalise(raw: str) -> str:
    """E.164 for a valid mobile number (Norway by default), else PhoneVerificationError."""
    try:
        number = PhoneNumber.from_string(str(raw or "").strip(), region="NO")
    except (NumberParseException, TypeError, ValueError):
        raise PhoneVerificationError("invalid_number") from None
    if not number.is_valid():
        raise PhoneVerificationError("invalid_number")
    if number_type(number) not in (
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise PhoneVerificationError("not_mobile")
    return number.as_e164


def _send_limits(*, user, phone: str, ip_address: str) -> list[tuple[str, str, int, int]]:
    """(scope, key, limit, window) for every limit a code request counts against."""
    ip = ip_address or "unknown"
    return [
        ("phone-sends-number", phone, SENDS_PER_NUMBER, SENDS_PER_NUMBER_WINDOW_SECONDS),
        ("phone-sends-number", phone, SENDS_PER_NUMBER_PER_DAY, DAY_SECONDS),
        ("phone-sends-ip", ip, SENDS_PER_IP, SENDS_PER_IP_WINDOW_SECONDS),
        ("phone-sends-ip", ip, SENDS_PER_IP_PER_DAY, DAY_SECONDS),
        ("phone-sends-account", str(user.pk), SENDS_PER_ACCOUNT_PER_DAY, DAY_SECONDS),
    ]


def _country_allowed(phone: str) -> bool:
    return PhoneNumber.from_string(phone).country_code in settings.PHONE_ALLOWED_COUNTRY_CODES


def _state_key(user, phone: str) -> str:
    return f"notifications:phone-verify:{user.pk}:{_hash(phone)}"


def phone_verification_start(*, user, phone: str, ip_address: str = "", locale: str = "nb") -> str:
    """Send a code to `phone` for `user`. Returns the normalised number.

    Raises PhoneVerificationError('invalid_number'/'not_mobile'/'country_not_allowed'),
    RateLimited('too_many_requests') or TransientProviderError (SMS provider unavailable).
    """
    phone = phone_normalise(phone)
    if not _country_allowed(phone):
        raise PhoneVerificationError("country_not_allowed")
    if not rate_limits_take(_send_limits(user=user, phone=phone, ip_address=ip_address)):
        raise RateLimited("too_many_requests")
    try:
        verify_gateway().start(to=phone, locale="nb" if locale.startswith("nb") else "en")
    except PermanentProviderError as error:
        if error.code == "too_many_sends":
            raise RateLimited("too_many_requests") from error
        if error.code == "invalid_number":
            raise PhoneVerificationError("invalid_number") from error
        raise TransientProviderError(error.code, error.detail) from error
    cache.set(
        _state_key(user, phone),
        {"started": time.time(), "checks": 0},
        CODE_LIFETIME_SECONDS,
    )
    return phone


def phone_verification_check(*, user, phone: str, code: str) -> VerificationResult:
    """Check a code; on success store the number as the user's verified mobile number.

    Raises PhoneVerificationError with 'code_incorrect', 'code_expired' or
    RateLimited('too_many_attempts'); TransientProviderError when the provider is down.
    """
    phone = phone_normalise(phone)
    code = str(code or "").strip().replace(" ", "")
    state_key = _state_key(user, phone)
    state = cache.get(state_key)
    if not state or time.time() - state["started"] > CODE_LIFETIME_SECONDS:
        raise PhoneVerificationError("code_expired")
    if state["checks"] >= MAX_CHECKS_PER_CODE:
        raise RateLimited("too_many_attempts")
    if not code.isdigit() or not 4 <= len(code) <= 10:
        state["checks"] += 1
        cache.set(state_key, state, CODE_LIFETIME_SECONDS)
        raise PhoneVerificationError("code_incorrect")
    state["checks"] += 1
    cache.set(state_key, state, CODE_LIFETIME_SECONDS)
    result = verify_gateway().check(to=phone, code=code)
    if result == EXPIRED:
        cache.delete(state_key)
        raise PhoneVerificationError("code_expired")
    if result == TOO_MANY_ATTEMPTS:
        raise RateLimited("too_many_attempts")
    if result == INCORRECT:
        if state["checks"] >= MAX_CHECKS_PER_CODE:
            raise RateLimited("too_many_attempts")
        raise PhoneVerificationError("code_incorrect")
    assert result == APPROVED
    cache.delete(state_key)
    verified_at = user_phone_set_verified(user=user, phone=phone)
    return VerificationResult(phone=phone, verified_at=verified_at)


@transaction.atomic
def user_phone_set_verified(*, user, phone: str):
    """Store `phone` (E.164) as the user's verified mobile number.

    A number belongs to one person at a time: when it is verified anew, any other account that
    had it verified loses the verification (numbers are reassigned by operators), so booking
    SMS never go to the previous holder.
    """
    now = timezone.now()
    User = get_user_model()
    User.objects.filter(phone=phone, phone_verified_at__isnull=False).exclude(pk=user.pk).update(
        phone_verified_at=None
    )
    User.objects.filter(pk=user.pk).update(phone=phone, phone_verified_at=now)
    user.phone = PhoneNumber.from_string(phone)
    user.phone_verified_at = now
    return now
