"""The API's default rate limits: DRF's anon and user rates, checked in one Redis round trip."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import User

pytestmark = pytest.mark.django_db

URL = "/api/v1/suppliers/"


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "5/min"},
    }
    keys = ["throttle_api_anon_127.0.0.1", "throttle_api_user_127.0.0.1"]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


def test_anonymous_client_gets_the_anon_rate_then_429_with_retry_after(low_rates):
    client = APIClient()
    statuses = [client.get(URL).status_code for _ in range(3)]
    refused = client.get(URL)

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60


def test_signed_in_user_gets_the_user_rate_of_their_own(low_rates):
    user = User.objects.create_user(email="throttled@example.com", password=None)
    cache.delete(f"throttle_api_user_{user.pk}")
    client = APIClient()
    client.force_authenticate(user)
    statuses = [client.get(URL).status_code for _ in range(6)]
    cache.delete(f"throttle_api_user_{user.pk}")

    assert statuses == [200] * 5 + [429]
    # The address's own anonymous allowance was not spent by the signed-in requests.
    assert APIClient().get(URL).status_code == 200
