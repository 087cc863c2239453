import pytest
from django.test import override_settings
from django.utils import timezone

from accounts.tests.factories import UserFactory
from privacy.models import ConsentEvent, PolicyVersion, Processor
from privacy.selectors import has_consent

pytestmark = pytest.mark.django_db


def test_centre_needs_login(client):
    response = client.get("/privacy/centre/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_centre_lists_every_purpose_with_one_toggle_that_works_without_js(client):
    user = UserFactory()
    client.force_login(user)
    html = client.get("/privacy/centre/").content.decode()
    for purpose in (
        "sms_notifications",
        "marketing_email",
        "marketing_sms",
        "analytics_cookies",
        "advertising_cookies",
        "personalisation",
    ):
        assert f'value="{purpose}"' in html
    assert html.count('name="granted" value="1"') == 6  # everything off by default
    assert 'href="/contact/"' in html and "Datatilsynet" in html
    assert 'href="/privacy/requests/"' in html  # export / deletion requests (the request desk)

    response = client.post("/privacy/centre/", {"purpose": "marketing_email", "granted": "1"})
    assert response.status_code == 302
    assert has_consent(subject=user, purpose="marketing_email")
    html = client.get("/privacy/centre/").content.decode()
    assert html.count('name="granted" value="0"') == 1

    client.post("/privacy/centre/", {"purpose": "marketing_email", "granted": "0"})
    assert not has_consent(subject=user, purpose="marketing_email")
    assert list(ConsentEvent.objects.values_list("source", flat=True)) == ["web", "web"]


def test_centre_rejects_bad_input_without_writing(client):
    client.force_login(UserFactory())
    assert (
        client.post("/privacy/centre/", {"purpose": "telepathy", "granted": "1"}).status_code == 400
    )
    assert (
        client.post("/privacy/centre/", {"purpose": "marketing_sms", "granted": "x"}).status_code
        == 400
    )
    assert not ConsentEvent.objects.exists()


@override_settings(CONSENT_CHANGE_RATE="2/min")
def test_centre_is_rate_limited(client):
    client.force_login(UserFactory())
    codes = [
        client.post("/privacy/centre/", {"purpose": "personalisation", "granted": "1"}).status_code
        for _ in range(3)
    ]
    assert codes == [302, 302, 429]
    assert ConsentEvent.objects.count() == 2


def test_policy_page_shows_current_version_last_updated_dpo_and_datatilsynet(client):
    html = client.get("/privacy/").content.decode()
    assert "21.02.2025" in html
    assert "Robert André Johansen" in html
    assert "datatilsynet.no" in html
    assert "Personvernerklæring" in html
    assert "Tilbaketrekking av samtykke" in html  # the Bokmål text by default
    client.post("/i18n/setlang/", {"language": "en", "next": "/privacy/"})
    html = client.get("/privacy/").content.decode()
    assert "Withdrawal of your consent" in html


def test_bokmaal_text_is_filled_for_the_first_version():
    version = PolicyVersion.objects.get(version="2025-02-21")
    assert version.body_nb.startswith("Dokument")
    # The same sixteen numbered sections as the English original.
    for number in range(1, 17):
        assert f"\n{number}. " in version.body_nb and f"\n{number}. " in version.body_en


def test_older_versions_stay_readable(client):
    PolicyVersion.objects.create(
        version="2026-01-01",
        effective_date=timezone.localdate(),
        body_nb="Ny versjon",
        body_en="New version",
        is_material_change=True,
        published_at=timezone.now(),
    )
    assert "Ny versjon" in client.get("/privacy/").content.decode()
    old = client.get("/privacy/versions/2025-02-21/")
    assert old.status_code == 200
    assert "Tilbaketrekking av samtykke" in old.content.decode()
    assert 'href="/privacy/"' in old.content.decode()


def test_unpublished_or_future_versions_are_not_shown(client):
    PolicyVersion.objects.create(version="draft", effective_date=timezone.localdate())
    assert client.get("/privacy/versions/draft/").status_code == 404
    assert client.get("/privacy/versions/nope/").status_code == 404


def test_processor_register_is_seeded_and_rendered(client):
    names = set(Processor.objects.values_list("name", flat=True))
    assert {
        "Kinsta",
        "Brevo",
        "Twilio (SMS)",
        "Twilio Verify (OTP)",
        "Google Calendar",
        "Google Analytics",
        "Google Ads",
        "Stripe",
        "Vipps MobilePay",
        "Mollie",
        "YouTube",
        "Social advertising networks",
    } <= names
    html = client.get("/privacy/processors/").content.decode()
    assert html.count('data-testid="processor-row"') == len(names)
    assert "Eemshaven" in html and "Vitry-sur-Seine" in html
    twilio = Processor.objects.get(name="Twilio (SMS)")
    assert twilio.transfers_outside_eea and twilio.transfer_mechanism == "scc"
    Processor.objects.filter(name="Mollie").update(is_active=False)
    assert "Mollie" not in client.get("/privacy/processors/").content.decode()


def test_pages_make_no_third_party_reference_in_scripts(client):
    for url in (
        "/privacy/",
        "/cookies/",
        "/cookies/settings/",
        "/privacy/processors/",
        "/contact/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<script src="http' not in html, url
