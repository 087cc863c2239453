"""Consent proof (GDPR Art. 7(1)): the text the ledger row points at is exactly the label shown
next to the choice, in every place consent is given: sign-up, cookie banner, privacy centre, API.
"""

import html
import re

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from privacy.models import ConsentEvent

pytestmark = pytest.mark.django_db


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _label(page: str, field_id: str) -> str:
    [found] = re.findall(rf'<label[^>]*for="{field_id}"[^>]*>(.*?)</label>', page, flags=re.S)
    return _text(found)


def _proof_text(event: ConsentEvent, language: str = "nb") -> str:
    return " ".join(event.purpose_text.text_for(language).split())


def test_sign_up_labels_are_the_recorded_texts(client):
    page = client.get(reverse("account_signup")).content.decode()
    shown = {p: _label(page, f"id_{p}") for p in ("marketing_email", "sms_notifications")}
    client.post(
        reverse("account_signup"),
        {
            "full_name": "Ola Nordmann",
            "email": "ola.proof@example.com",
            "password1": "kaffe-og-fjell-2026",
            "password2": "kaffe-og-fjell-2026",
            "age_confirmed": "on",
            "marketing_email": "on",
            "sms_notifications": "on",
        },
    )
    events = {e.purpose: e for e in ConsentEvent.objects.filter(source="signup")}
    assert set(events) == set(shown)
    for purpose, label in shown.items():
        assert _proof_text(events[purpose]) == label


def test_cookie_banner_labels_are_the_recorded_texts(client):
    page = client.get("/").content.decode()
    shown = {
        p: _label(page, f"cookie-{p}-banner") for p in ("analytics_cookies", "advertising_cookies")
    }
    client.post("/cookies/consent/", {"choice": "accept_all"})
    for event in ConsentEvent.objects.filter(source="banner"):
        assert _proof_text(event) == shown[event.purpose]


def test_privacy_centre_text_is_the_recorded_text(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get("/privacy/centre/").content.decode()
    [item] = re.findall(r'<li[^>]*id="purpose-personalisation".*?</li>', page, flags=re.S)
    [described] = re.findall(r'<p id="purpose-personalisation-text">(.*?)</p>', item, flags=re.S)
    client.post("/privacy/centre/", {"purpose": "personalisation", "granted": "1"})
    event = ConsentEvent.objects.get(source="web", purpose="personalisation")
    assert _proof_text(event) == _text(described)


def test_api_returns_the_text_it_records(client):
    user = UserFactory()
    client.force_login(user)
    states = {s["purpose"]: s for s in client.get("/api/v1/privacy/consents/").json()}
    shown = states["marketing_sms"]["text"]
    client.put(
        "/api/v1/privacy/consents/marketing_sms/",
        {"granted": True},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="nb",
    )
    event = ConsentEvent.objects.get(source="api")
    assert _proof_text(event) == " ".join(shown.split())
    assert states["marketing_sms"]["text_version"] == event.purpose_text.version
