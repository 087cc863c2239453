"""The client IP behind the documented proxy: one helper for every rate limit and record.

TRUSTED_PROXY_COUNT says how many proxies of ours append to X-Forwarded-For; the address is
the entry that many places from the right (the rightmost one a client cannot write).
Without trusted proxies the header is ignored: anyone can send it.
"""

import pytest
from allauth.account.adapter import get_adapter
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle

from accounts.tests.factories import UserFactory
from bookingtjeneste.client_ip import client_ip

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"


def _request(xff: str | None = None, remote: str = PROXY):
    headers = {"HTTP_X_FORWARDED_FOR": xff} if xff is not None else {}
    return RequestFactory().post("/contact/", REMOTE_ADDR=remote, **headers)


def test_without_a_trusted_proxy_a_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = _request("198.51.100.7", remote="203.0.113.9")
    assert client_ip(request) == "203.0.113.9"


def test_with_one_trusted_proxy_the_rightmost_entry_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote "1.2.3.4" itself; our proxy appended the address it saw.
    assert client_ip(_request("1.2.3.4, 198.51.100.7")) == "198.51.100.7"
    assert client_ip(_request("198.51.100.7")) == "198.51.100.7"
    # Two proxies: the second-rightmost entry.
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request("1.2.3.4, 198.51.100.7, 10.0.0.4")) == "198.51.100.7"


def test_a_missing_or_malformed_forwarded_header_falls_back_to_the_peer(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request()) == PROXY
    assert client_ip(_request("not-an-ip")) == PROXY
    assert client_ip(_request("1.2.3.4, ")) == PROXY


def test_drf_throttles_and_allauth_use_the_same_address(settings):
    cases = ((0, "1.2.3.4", PROXY), (1, "1.2.3.4, 198.51.100.7", "198.51.100.7"))
    for count, xff, expected in cases:
        settings.TRUSTED_PROXY_COUNT = count
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": count}
        request = _request(xff)
        assert client_ip(request) == expected
        assert AnonRateThrottle().get_ident(Request(request)) == expected
        assert get_adapter(request).get_client_ip(request) == expected


def test_spoofed_headers_do_not_escape_the_contact_form_limit(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    form = {"name": "Ola", "email": "ola@example.com", "subject": "Hei", "message": "Hei!"}
    statuses = [
        client.post("/contact/", form, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(7)
    ]
    assert statuses[:5] == [302] * 5 and statuses[5:] == [429, 429]


def test_behind_one_proxy_each_client_has_its_own_contact_form_limit(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    form = {"name": "Ola", "email": "ola@example.com", "subject": "Hei", "message": "Hei!"}

    def post(ip: str) -> int:
        return client.post(
            "/contact/", form, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"9.9.9.9, {ip}"
        ).status_code

    assert [post("198.51.100.1") for _ in range(6)] == [302] * 5 + [429]
    assert post("198.51.100.2") == 302  # the proxy's address is not one shared bucket


def test_consent_records_the_client_network_not_the_proxy(client, settings):
    from privacy.models import ConsentEvent

    settings.TRUSTED_PROXY_COUNT = 1
    user = UserFactory()
    client.force_login(user)
    client.put(
        "/api/v1/privacy/consents/marketing_email/",
        {"granted": True},
        content_type="application/json",
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.77",
    )
    event = ConsentEvent.objects.filter(purpose="marketing_email").latest("pk")
    assert event.ip_truncated == "198.51.100.0/24"
