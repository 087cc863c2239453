import logging

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from notifications.services.phone import (
    PhoneVerificationError,
    RateLimited,
    phone_verification_check,
    phone_verification_start,
)

pytestmark = pytest.mark.django_db

START_URL = "/api/v1/phone/verification/"
CHECK_URL = "/api/v1/phone/verification/check/"


@pytest.fixture
def user(db):
    return UserFactory(phone=None)


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_twilio_verify_send_and_check(user, fake_twilio):
    phone = phone_verification_start(user=user, phone="912 34 567", ip_address="10.0.0.1")
    assert phone == "+4791234567"
    [sent] = [r for r in fake_twilio.requests if r.path.endswith("/Verifications")]
    assert sent.path == f"/v2/Services/{'VA' + '3' * 32}/Verifications"
    assert sent.data == {"To": "+4791234567", "Channel": "sms", "Locale": "nb"}

    with pytest.raises(PhoneVerificationError) as wrong:
        phone_verification_check(user=user, phone=phone, code="000000")
    assert wrong.value.code == "code_incorrect"
    result = phone_verification_check(user=user, phone=phone, code="123456")
    user.refresh_from_db()
    assert str(user.phone) == "+4791234567"
    assert user.phone_verified_at == result.verified_at
    # The code is used up.
    with pytest.raises(PhoneVerificationError) as used:
        phone_verification_check(user=user, phone=phone, code="123456")
    assert used.value.code == "code_expired"


def test_five_checks_per_code(user, fake_twilio):
    phone_verification_start(user=user, phone="+4791234567")
    codes = []
    for _attempt in range(6):
        with pytest.raises(PhoneVerificationError) as error:
            phone_verification_check(user=user, phone="+4791234567", code="999999")
        codes.append(error.value.code)
    assert codes == ["code_incorrect"] * 4 + ["too_many_attempts"] * 2
    checks = [r for r in fake_twilio.requests if r.path.endswith("/VerificationCheck")]
    assert len(checks) == 5


def test_expired_code(user, fake_twilio, monkeypatch):
    import notifications.services.phone as phone_module

    phone_verification_start(user=user, phone="+4791234567")
    now = phone_module.time.time()
    monkeypatch.setattr(phone_module.time, "time", lambda: now + 10 * 60 + 1)
    with pytest.raises(PhoneVerificationError) as error:
        phone_verification_check(user=user, phone="+4791234567", code="123456")
    assert error.value.code == "code_expired"


def test_provider_says_expired(user, fake_twilio):
    phone_verification_start(user=user, phone="+4791234567")
    fake_twilio.verification_codes.clear()  # Twilio dropped it (expired on its side)
    with pytest.raises(PhoneVerificationError) as error:
        phone_verification_check(user=user, phone="+4791234567", code="123456")
    assert error.value.code == "code_expired"


def test_send_limits_per_number_and_per_ip(user, fake_twilio, monkeypatch):
    _at(monkeypatch, DAY_START)  # the windows are aligned to the clock: stay inside one
    for _send in range(3):
        phone_verification_start(user=user, phone="+4791234567", ip_address="10.0.0.1")
    with pytest.raises(RateLimited):
        phone_verification_start(user=user, phone="+4791234567", ip_address="10.0.0.2")
    # Another number from the same IP: the IP has used its 3 per hour.
    with pytest.raises(RateLimited):
        phone_verification_start(user=user, phone="+4791234568", ip_address="10.0.0.1")
    # A fresh IP and a fresh number are fine.
    phone_verification_start(user=user, phone="+4791234568", ip_address="10.0.0.3")
    sends = [r for r in fake_twilio.requests if r.path.endswith("/Verifications")]
    assert len(sends) == 4


def test_invalid_numbers(user, fake_twilio):
    for bad in ("", "abc", "123", "+47 22 00 00 00"):  # the last is a landline
        with pytest.raises(PhoneVerificationError):
            phone_verification_start(user=user, phone=bad)
    fake_twilio.fail_next(400, {"code": 60200, "message": "Invalid parameter", "status": 400})
    with pytest.raises(PhoneVerificationError) as error:
        phone_verification_start(user=user, phone="+4791234567")
    assert error.value.code == "invalid_number"
    assert fake_twilio.requests[-1].path.endswith("/Verifications")


def test_verifying_a_number_takes_it_from_its_previous_holder(user, fake_twilio):
    previous = UserFactory(phone="+4791234567")
    previous.phone_verified_at = previous.date_joined
    previous.save()
    phone_verification_start(user=user, phone="+4791234567")
    phone_verification_check(user=user, phone="+4791234567", code="123456")
    previous.refresh_from_db()
    assert previous.phone_verified_at is None


def test_console_mode_logs_the_code_only_with_debug(user, settings, caplog):
    settings.TWILIO_ACCOUNT_SID = ""
    settings.DEBUG = False
    with caplog.at_level(logging.INFO, logger="notifications.console"):
        phone_verification_start(user=user, phone="+4791234567")
    assert not any(c.isdigit() and len(c) == 6 for c in caplog.text.split())
    settings.DEBUG = True
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="notifications.console"):
        phone_verification_start(user=user, phone="+4791234567")
    [line] = [
        r.getMessage()
        for r in caplog.records
        if r.getMessage().startswith("console phone verification code")
    ]
    code = line.rsplit(" ", 1)[1]
    with pytest.raises(PhoneVerificationError):
        phone_verification_check(user=user, phone="+4791234567", code="000000")
    phone_verification_check(user=user, phone="+4791234567", code=code)
    user.refresh_from_db()
    assert user.has_verified_phone


def test_api_flow_and_distinct_errors(api, user, fake_twilio):
    assert api.post(START_URL, {"phone": "nope"}, format="json").json()["code"] == "invalid_number"
    response = api.post(START_URL, {"phone": "91234567"}, format="json")
    assert response.status_code == 202 and response.json()["phone"] == "+4791234567"
    wrong = api.post(CHECK_URL, {"phone": "91234567", "code": "111111"}, format="json")
    assert (wrong.status_code, wrong.json()["code"]) == (400, "code_incorrect")
    other = api.post(CHECK_URL, {"phone": "+4799999999", "code": "123456"}, format="json")
    assert (other.status_code, other.json()["code"]) == (400, "code_expired")
    ok = api.post(CHECK_URL, {"phone": "91234567", "code": "123456"}, format="json")
    assert ok.status_code == 200 and ok.json()["phone"] == "+4791234567"
    missing = api.post(CHECK_URL, {}, format="json")
    assert missing.status_code == 400 and "code" in missing.json()


def test_api_rate_limit_and_provider_outage(api, fake_twilio, monkeypatch):
    _at(monkeypatch, DAY_START)
    fake_twilio.fail_next(503, {"code": 20503, "message": "down", "status": 503})
    down = api.post(START_URL, {"phone": "91234567"}, format="json")
    assert (down.status_code, down.json()["code"]) == (503, "provider_unavailable")
    for _send in range(2):
        assert api.post(START_URL, {"phone": "91234567"}, format="json").status_code == 202
    limited = api.post(START_URL, {"phone": "91234567"}, format="json")
    assert (limited.status_code, limited.json()["code"]) == (429, "too_many_requests")


def test_api_needs_login(fake_twilio):
    response = APIClient().post(START_URL, {"phone": "91234567"}, format="json")
    assert response.status_code in (401, 403)
    assert fake_twilio.requests == []


def test_page_flow(client, user, fake_twilio):
    client.force_login(user)
    url = reverse("notifications:phone-verify")
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="phone-phone"' in page.content.decode()
    sent = client.post(url, {"action": "send", "phone-phone": "91234567"}, follow=True)
    assert 'name="code-code"' in sent.content.decode()
    wrong = client.post(url, {"action": "check", "code-code": "000000"})
    assert "Koden er feil" in wrong.content.decode()
    done = client.post(url, {"action": "check", "code-code": "123456"})
    assert done.status_code == 302 and done["Location"] == reverse("accounts:profile")
    user.refresh_from_db()
    assert user.has_verified_phone


def test_page_requires_login(client):
    response = client.get(reverse("notifications:phone-verify"))
    assert response.status_code == 302


def _verify_sends(fake_twilio) -> int:
    return len([r for r in fake_twilio.requests if r.path.endswith("/Verifications")])


def _at(monkeypatch, seconds: float) -> None:
    """Move the limits' clock (windows are aligned buckets of it)."""
    import notifications.services.phone as phone_module

    monkeypatch.setattr(phone_module.time, "time", lambda: seconds)


# 01:00 UTC on some day: hour steps below stay within the same day.
DAY_START = 20_000 * 86_400 + 3_600


def test_one_account_gets_at_most_five_codes_a_day(user, fake_twilio, monkeypatch):
    # Fresh numbers and IPs each time, spread over hours: only the account limit applies.
    for send in range(5):
        _at(monkeypatch, DAY_START + send * 3_600)
        phone_verification_start(user=user, phone=f"+479123456{send}", ip_address=f"10.1.0.{send}")
    _at(monkeypatch, DAY_START + 6 * 3_600)
    with pytest.raises(RateLimited) as error:
        phone_verification_start(user=user, phone="+4791234569", ip_address="10.1.0.9")
    assert error.value.code == "too_many_requests"
    assert _verify_sends(fake_twilio) == 5
    # Another account is not affected, and the next day the account may ask again.
    phone_verification_start(user=UserFactory(), phone="+4791234569", ip_address="10.1.0.9")
    _at(monkeypatch, DAY_START + 86_400)
    phone_verification_start(user=user, phone="+4791234569", ip_address="10.1.0.9")
    assert _verify_sends(fake_twilio) == 7


def test_one_ip_address_gets_at_most_ten_codes_a_day(fake_twilio, monkeypatch):
    sent = 0
    for hour in range(5):
        for attempt in range(3):  # three an hour is the hourly limit
            _at(monkeypatch, DAY_START + hour * 3_600)
            try:
                phone_verification_start(
                    user=UserFactory(), phone=f"+479{hour}{attempt}00000", ip_address="10.2.0.1"
                )
                sent += 1
            except RateLimited:
                pass
    assert sent == 10
    assert _verify_sends(fake_twilio) == 10


def test_numbers_outside_the_allowed_countries_get_no_sms(user, fake_twilio, settings):
    assert settings.PHONE_ALLOWED_COUNTRY_CODES == [47]
    for foreign in ("+46701234567", "+4915112345678", "+2348031234567"):
        with pytest.raises(PhoneVerificationError) as error:
            phone_verification_start(user=user, phone=foreign, ip_address="10.3.0.1")
        assert (error.value.code, error.value.status) == ("country_not_allowed", 400)
    assert _verify_sends(fake_twilio) == 0
    settings.PHONE_ALLOWED_COUNTRY_CODES = [47, 46]
    assert phone_verification_start(user=user, phone="+46701234567") == "+46701234567"
    assert _verify_sends(fake_twilio) == 1


def test_api_and_page_explain_a_refused_country(api, client, user, fake_twilio):
    refused = api.post(START_URL, {"phone": "+46701234567"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "country_not_allowed"
    client.force_login(user)
    page = client.post(
        reverse("notifications:phone-verify"), {"action": "send", "phone-phone": "+46701234567"}
    )
    assert page.status_code == 200
    assert "Vi sender bare SMS til" in page.content.decode()
    assert _verify_sends(fake_twilio) == 0


def test_twilio_verify_offers_nothing_to_delete_on_erasure():
    # docs/RETENTION.md explains why erasure does not call Twilio Verify: its API cannot delete
    # a verification or an attempt. If the SDK gains such a call, erasure should use it.
    from twilio.rest.verify.v2.service.verification import VerificationContext
    from twilio.rest.verify.v2.verification_attempt import VerificationAttemptContext

    assert not hasattr(VerificationContext, "delete")
    assert not hasattr(VerificationAttemptContext, "delete")
    assert hasattr(VerificationContext, "update")  # cancel exists, and the SDK is the real one
