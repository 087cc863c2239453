import json

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from privacy.models import ConsentEvent
from privacy.purposes import Purpose
from privacy.selectors import has_consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_list_shows_every_purpose_off_by_default(api):
    response = api.get("/api/v1/privacy/consents/")
    assert response.status_code == 200
    body = response.json()
    assert [item["purpose"] for item in body] == list(Purpose.values)
    assert all(item["granted"] is False and item["updated_at"] is None for item in body)


def test_put_appends_to_the_ledger_and_is_reflected(api, user):
    response = api.put("/api/v1/privacy/consents/marketing_sms/", {"granted": True}, format="json")
    assert response.status_code == 200
    assert response.json()["granted"] is True
    assert has_consent(subject=user, purpose="marketing_sms")
    event = ConsentEvent.objects.get()
    assert event.source == "api" and event.subject_id == user.public_id
    listed = {i["purpose"]: i for i in api.get("/api/v1/privacy/consents/").json()}
    assert listed["marketing_sms"]["granted"] is True
    assert listed["marketing_sms"]["updated_at"]
    response = api.put("/api/v1/privacy/consents/marketing_sms/", {"granted": False}, format="json")
    assert response.status_code == 200
    assert not has_consent(subject=user, purpose="marketing_sms")
    assert ConsentEvent.objects.count() == 2


def test_unknown_purpose_is_404_json(api):
    response = api.put("/api/v1/privacy/consents/telepathy/", {"granted": True}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not ConsentEvent.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        json.dumps({}),
        json.dumps({"granted": "yes"}),
        json.dumps({"granted": 1}),
        json.dumps({"granted": None}),
        json.dumps([True]),
        json.dumps("true"),
    ],
)
def test_malformed_body_is_400_and_writes_nothing(api, body):
    response = api.put(
        "/api/v1/privacy/consents/personalisation/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "code" in response.json() and "detail" in response.json()
    assert not ConsentEvent.objects.exists()


@override_settings(CONSENT_CHANGE_RATE="3/min")
def test_changes_are_rate_limited_with_429_json(api):
    codes = [
        api.put(
            "/api/v1/privacy/consents/personalisation/", {"granted": True}, format="json"
        ).status_code
        for _ in range(5)
    ]
    assert codes[:3] == [200, 200, 200]
    assert codes[3] == 429
    response = api.put(
        "/api/v1/privacy/consents/personalisation/", {"granted": True}, format="json"
    )
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert ConsentEvent.objects.count() == 3


def test_anonymous_gets_an_error_not_data():
    client = APIClient()
    assert client.get("/api/v1/privacy/consents/").status_code in (401, 403)
    response = client.put(
        "/api/v1/privacy/consents/personalisation/", {"granted": True}, format="json"
    )
    assert response.status_code in (401, 403)
    assert not ConsentEvent.objects.exists()


def test_token_authentication_works(user):
    from accounts.services import api_token_issue

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)}")
    response = client.put(
        "/api/v1/privacy/consents/sms_notifications/", {"granted": True}, format="json"
    )
    assert response.status_code == 200
    assert has_consent(subject=user, purpose="sms_notifications")
