"""A yes counts only for the wording the person saw (GDPR Art. 7(1)).

Every page that asks for consent sends back the version of the wording it showed. When the
wording changed while the page was open, the yes is refused with a message and the page shows
the new wording, instead of recording consent to a text nobody read. A no (withdrawal) is never
refused. Covers sign-up, the booking confirmation's SMS choice, the cookie banner and settings,
and the privacy centre.
"""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from bookings.models import Booking
from bookings.tests.conftest import OSLO, at, next_weekday
from bookings.tests.factories import ResourceFactory, ServiceFactory
from privacy.models import ConsentEvent, PurposeText
from privacy.selectors import has_consent, purpose_text_current

pytestmark = pytest.mark.django_db


def reworded(purpose: str) -> PurposeText:
    """A new wording for `purpose`, in force from now (as the DPO's admin edit makes one)."""
    current = purpose_text_current(purpose=purpose)
    return PurposeText.objects.create(
        purpose=purpose,
        version=current.version + 1,
        text_nb=f"Ny ordlyd for {purpose}",
        text_en=f"New wording for {purpose}",
        policy_version=current.policy_version,
    )


def shown_version(page: str, purpose: str) -> str:
    [version] = set(re.findall(rf'name="{purpose}_wording" value="(\d+)"', page))
    return version


def shown_versions(page: str, *purposes: str) -> dict[str, str]:
    return {f"{purpose}_wording": shown_version(page, purpose) for purpose in purposes}


CHANGED_NB = "Ordlyden for dette valget ble endret mens siden var åpen."

SIGNUP = {
    "full_name": "Ola Nordmann",
    "email": "ola.wording@example.com",
    "password1": "kaffe-og-fjell-2026",
    "password2": "kaffe-og-fjell-2026",
    "age_confirmed": "on",
    "sms_notifications": "on",
}


def test_sign_up_refuses_a_yes_to_a_wording_that_changed_and_shows_the_new_one(client):
    page = client.get(reverse("account_signup")).content.decode()
    sent = {
        f"{p}_wording": shown_version(page, p) for p in ("sms_notifications", "marketing_email")
    }
    new = reworded("sms_notifications")

    response = client.post(reverse("account_signup"), {**SIGNUP, **sent})

    assert response.status_code == 200  # the form again, with the error
    body = response.content.decode()
    assert CHANGED_NB in body
    assert new.text_nb in body and shown_version(body, "sms_notifications") == str(new.version)
    assert not User.objects.filter(email=SIGNUP["email"]).exists()

    again = {**sent, "sms_notifications_wording": str(new.version)}
    client.post(reverse("account_signup"), {**SIGNUP, **again})
    event = ConsentEvent.objects.get(purpose="sms_notifications", source="signup")
    assert event.purpose_text == new


def test_sign_up_without_a_yes_is_not_held_up_by_a_changed_wording(client):
    page = client.get(reverse("account_signup")).content.decode()
    sent = {
        f"{p}_wording": shown_version(page, p) for p in ("sms_notifications", "marketing_email")
    }
    reworded("marketing_email")

    client.post(reverse("account_signup"), {**SIGNUP, **sent})  # marketing unticked: a refusal

    assert User.objects.filter(email=SIGNUP["email"]).exists()


def test_the_booking_sms_choice_shows_the_recorded_wording_and_refuses_a_stale_yes(client):
    service = ServiceFactory(resources=[ResourceFactory()])
    monday = next_weekday(0, weeks=2)
    customer = UserFactory(phone="+4791234567", phone_verified_at=timezone.now())
    client.force_login(customer)
    start = at(monday, 10).astimezone(OSLO).isoformat()
    page = client.get(f"/book/{service.pk}/confirm/", {"start": start}).content.decode()
    [label] = re.findall(r'<label[^>]*for="id_sms_notifications"[^>]*>(.*?)</label>', page, re.S)
    current = purpose_text_current(purpose="sms_notifications")
    assert " ".join(label.split()).rstrip(":") == " ".join(current.text_nb.split())
    sent = shown_version(page, "sms_notifications")
    new = reworded("sms_notifications")

    response = client.post(
        f"/book/{service.pk}/confirm/",
        {"start": start, "sms_notifications": "on", "sms_notifications_wording": sent},
    )

    assert response.status_code in (200, 400)
    assert new.text_nb in response.content.decode()
    assert not Booking.objects.exists()
    assert not has_consent(subject=customer, purpose="sms_notifications")


def test_the_cookie_banner_refuses_accept_all_after_a_wording_changed(client):
    page = client.get("/").content.decode()
    sent = {
        f"{p}_wording": shown_version(page, p) for p in ("analytics_cookies", "advertising_cookies")
    }
    new = reworded("analytics_cookies")

    response = client.post("/cookies/consent/", {"choice": "accept_all", "next": "/", **sent})

    assert response.status_code == 400
    body = response.content.decode()
    assert new.text_nb in body and CHANGED_NB in body
    assert not ConsentEvent.objects.exists()

    refused = client.post("/cookies/consent/", {"choice": "reject_all", "next": "/", **sent})
    assert refused.status_code == 302  # a no is never held up


def test_the_privacy_centre_refuses_a_stale_yes_but_never_a_withdrawal(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get("/privacy/centre/").content.decode()
    sent = shown_version(page, "personalisation")
    new = reworded("personalisation")

    response = client.post(
        "/privacy/centre/",
        {"purpose": "personalisation", "granted": "1", "personalisation_wording": sent},
    )

    assert response.status_code == 400
    assert new.text_nb in response.content.decode() and CHANGED_NB in response.content.decode()
    assert not has_consent(subject=user, purpose="personalisation")

    withdrawn = client.post(
        "/privacy/centre/",
        {"purpose": "personalisation", "granted": "0", "personalisation_wording": sent},
    )
    assert withdrawn.status_code == 302
    assert ConsentEvent.objects.filter(purpose="personalisation", granted=False).count() == 1


def test_the_consent_api_refuses_a_yes_to_a_text_version_no_longer_in_force(client):
    user = UserFactory()
    client.force_login(user)
    states = {s["purpose"]: s for s in client.get("/api/v1/privacy/consents/").json()}
    shown = states["marketing_sms"]["text_version"]
    new = reworded("marketing_sms")
    url = "/api/v1/privacy/consents/marketing_sms/"

    stale = client.put(url, {"granted": True, "text_version": shown}, "application/json")
    bad = client.put(url, {"granted": True, "text_version": "2"}, "application/json")
    withdrawn = client.put(url, {"granted": False, "text_version": shown}, "application/json")
    current = client.put(url, {"granted": True, "text_version": new.version}, "application/json")

    assert stale.status_code == 409 and stale.json()["code"] == "wording_changed"
    assert bad.status_code == 400
    assert withdrawn.status_code == 200
    assert current.status_code == 200 and current.json()["text_version"] == new.version
    assert list(
        ConsentEvent.objects.filter(purpose="marketing_sms")
        .order_by("pk")
        .values_list("granted", flat=True)
    ) == [False, True]
