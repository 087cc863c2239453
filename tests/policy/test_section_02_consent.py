"""§2 About personal data, consent and cookies."""

import uuid

import pytest

from privacy.models import ConsentEvent
from privacy.selectors import has_consent

pytestmark = pytest.mark.django_db


def test_we_only_store_optional_information_with_active_consent(client, tags):
    """“We only store certain information if you give us active consent to collect it.”"""
    response = client.get("/")
    html = response.content.decode()
    assert "gtag/js" not in html and "fbevents" not in html
    assert "googletagmanager" not in response.headers["Content-Security-Policy"]
    # Only the strictly necessary CSRF cookie (the banner is a form): no consent id, no analytics.
    assert set(response.cookies) <= {"csrftoken"}


def test_we_ask_for_consent_on_the_website_before_advertising_data(client):
    """“If we use such services, we will ask you for consent to this on our website.”"""
    html = client.get("/").content.decode()
    assert 'id="cookie-banner"' in html
    assert 'data-testid="cookie-banner" hidden' not in html
    assert "Google Ads" in html


def test_no_position_means_no_collection(client, tags):
    """“If you do not take a position on the question, we will not collect the information.”"""
    for _ in range(3):  # browse on without answering
        html = client.get("/").content.decode()
        assert "gtag/js" not in html
    assert not ConsentEvent.objects.exists()
    # Closing the banner is also "no".
    client.post("/cookies/consent/", {"choice": "reject_all"})
    consent_id = client.cookies["bt_consent_id"].value
    assert not has_consent(subject=consent_id, purpose="advertising_cookies")
    assert "gtag/js" not in client.get("/").content.decode()


def test_consent_is_active_and_recorded_as_proof(client):
    """Active consent (Art. 7(1)): the choice is in the ledger with what was shown."""
    client.post("/cookies/consent/", {"choice": "save", "advertising_cookies": "on"})
    consent_id = uuid.UUID(client.cookies["bt_consent_id"].value)
    event = ConsentEvent.objects.get(subject_id=consent_id, purpose="advertising_cookies")
    assert event.granted and event.source == "banner"
    assert event.purpose_text.text_nb and event.policy_version.version == "2025-02-21"


def test_the_data_protection_authority_is_named(client):
    """“The Norwegian Data Protection Authority supervises compliance with the Act.”"""
    html = client.get("/privacy/").content.decode()
    assert "Datatilsynet" in html and "datatilsynet.no" in html
