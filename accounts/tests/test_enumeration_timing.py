"""Existing and unknown addresses do the same expensive work (sign-up once took 46 ms for a
registered address and 484 ms for a new one, revealing who has an account).

The work is counted with a test-only hasher (accounts/tests/hashers.py), not timed: the
password hasher is what made the difference."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from accounts.tests.hashers import CountingHasher

pytestmark = pytest.mark.django_db

PASSWORD = "kaffe-og-fjell-2026"


@pytest.fixture(autouse=True)
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = ["accounts.tests.hashers.CountingHasher"]
    CountingHasher.calls = 0
    return CountingHasher


def _signup(email: str) -> dict:
    return {
        "full_name": "Ola Nordmann",
        "email": email,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "age_confirmed": "on",
    }


def _hashes_for(client, url: str, data: dict):
    CountingHasher.calls = 0
    response = client.post(url, data)
    client.logout()
    return CountingHasher.calls, response


def _shape(response) -> tuple:
    return response.status_code, response.get("Location"), type(response).__name__


def test_signup_hashes_the_password_for_a_registered_address_too(client):
    UserFactory(email="finnes@example.com")
    url = reverse("account_signup")
    new_calls, new_response = _hashes_for(client, url, _signup("ny@example.com"))
    old_calls, old_response = _hashes_for(client, url, _signup("FINNES@example.com"))
    assert new_calls >= 1
    assert old_calls == new_calls
    assert _shape(old_response) == _shape(new_response)


def test_login_hashes_the_same_for_unknown_and_registered_addresses(client):
    UserFactory(email="finnes@example.com")
    url = reverse("account_login")
    known_calls, known = _hashes_for(
        client, url, {"login": "finnes@example.com", "password": "x" * 12}
    )
    unknown_calls, unknown = _hashes_for(
        client, url, {"login": "nei@example.com", "password": "x" * 12}
    )
    assert known_calls >= 1 and known_calls == unknown_calls
    assert known.status_code == unknown.status_code == 200


def test_password_reset_answers_the_same_for_unknown_and_registered_addresses(client):
    UserFactory(email="finnes@example.com")
    url = reverse("account_reset_password")
    known_calls, known = _hashes_for(client, url, {"email": "finnes@example.com"})
    unknown_calls, unknown = _hashes_for(client, url, {"email": "nei@example.com"})
    assert known_calls == unknown_calls
    assert _shape(known) == _shape(unknown)
