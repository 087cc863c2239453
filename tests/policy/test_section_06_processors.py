"""§6 Sharing information with third parties."""

import pytest

from notifications.models import Message
from privacy.models import ContactMessage, Processor
from privacy.selectors import has_consent
from privacy.services import consent_set

pytestmark = pytest.mark.django_db


def test_no_analytics_or_marketing_without_explicit_consent(client, tags, user):
    """“No personal data is used for analytical or marketing purposes without your explicit
    consent.”"""
    assert not has_consent(subject=user, purpose="analytics_cookies")
    client.force_login(user)
    assert "gtag/js" not in client.get("/").content.decode()
    consent_set(subject=user, purpose="analytics_cookies", granted=True, source="web")
    consent_set(subject=user, purpose="advertising_cookies", granted=False, source="web")
    html = client.get("/").content.decode()
    assert "gtag/js?id=G-POLICY" in html and "fbevents" not in html


def test_processors_are_listed_publicly(client):
    """Selected third-party service providers (hosting, e-mail, SMS, payment) are named."""
    html = client.get("/privacy/processors/").content.decode()
    for name in (
        "Kinsta",
        "Brevo",
        "Twilio",
        "Stripe",
        "Vipps",
        "Mollie",
        "Google Calendar",
        "Google Analytics",
        "Google Ads",
        "YouTube",
    ):
        assert name in html


def test_processor_locations_are_in_the_readers_language(client):
    norwegian = client.get("/privacy/processors/", HTTP_ACCEPT_LANGUAGE="nb").content.decode()
    assert "USA og andre land utenfor EU/EØS" in norwegian
    assert "United States and other countries" not in norwegian
    english = client.get("/privacy/processors/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "United States and other countries outside the EU/EEA" in english


def test_kinsta_hosts_in_eemshaven():
    """“Server location: Eemshaven, Netherlands.”"""
    kinsta = Processor.objects.get(name="Kinsta")
    assert "Eemshaven" in kinsta.location_en and not kinsta.transfers_outside_eea


def test_brevo_stores_in_france_and_belgium():
    """Brevo: French data centres (Vitry-sur-Seine) and Google Cloud in Belgium."""
    brevo = Processor.objects.get(name="Brevo")
    assert "France" in brevo.location_en and "Belgium" in brevo.location_en
    assert "Frankrike" in brevo.location_nb and "Belgia" in brevo.location_nb


def test_twilio_transfers_outside_the_eea_are_declared_with_a_mechanism():
    """“Twilio's servers may be located outside the EU/EEA” — under standard contractual
    clauses."""
    for name in ("Twilio (SMS)", "Twilio Verify (OTP)"):
        twilio = Processor.objects.get(name=name)
        assert twilio.transfers_outside_eea and twilio.transfer_mechanism == "scc"


def test_only_phone_and_booking_details_go_to_twilio():
    """“The only personal information transferred to Twilio ... is your mobile number and
    relevant booking details.”"""
    twilio = Processor.objects.get(name="Twilio (SMS)")
    assert twilio.data_categories_en == "Mobile number and relevant booking details."


def test_sms_notifications_need_consent_that_can_be_withdrawn(user):
    """“By enabling SMS notifications ... you consent ... You have the right to withdraw this
    consent at any time.”"""
    assert not has_consent(subject=user, purpose="sms_notifications")
    consent_set(subject=user, purpose="sms_notifications", granted=True, source="web")
    assert has_consent(subject=user, purpose="sms_notifications")
    consent_set(subject=user, purpose="sms_notifications", granted=False, source="sms")
    assert not has_consent(subject=user, purpose="sms_notifications")


def test_contact_forms_are_e_mailed_and_copied_to_a_database(client):
    """“The form will be sent as an email to us ... A copy ... may also be stored in a
    database.”"""
    client.post(
        "/contact/",
        {
            "name": "Ola",
            "email": "ola@example.com",
            "subject": "Hei",
            "message": "Et spørsmål",
            "website": "",
        },
    )
    assert ContactMessage.objects.count() == 1
    assert Message.objects.filter(template_key="contact_message").count() == 1


def test_the_contact_database_is_deleted_at_regular_intervals(settings):
    """“This database is deleted at regular intervals.”"""
    from privacy.models import RetentionRule
    from privacy.retention import retention_rules_seed

    # One job, one period: the nightly sweep applies the DPO's rule `contact_messages`.
    schedule = settings.CELERY_BEAT_SCHEDULE["privacy-nightly-sweep"]
    assert schedule["task"] == "privacy.tasks.run_retention_sweep"
    retention_rules_seed()
    assert RetentionRule.objects.get(key="contact_messages").period_days == 90


def test_youtube_videos_only_with_consent(client):
    """“Videos from Youtube can be included” — via youtube-nocookie.com, click-to-load, and
    only after consent; the CSP never allows the host otherwise."""
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "youtube" not in csp
    html = client.get("/cookies/").content.decode()
    assert (
        "YouTube" in html and "Only with your consent" in html
    ) or "Bare med ditt samtykke" in html


def test_social_media_advertising_only_with_consent(client, settings):
    """“We can advertise our services on Facebook, Google, TikTok, SnapChat” — pixels only with
    advertising consent."""
    settings.META_PIXEL_ID = "1234"
    assert "fbevents" not in client.get("/").content.decode()
    client.post("/cookies/consent/", {"choice": "accept_all"})
    assert "fbevents" in client.get("/").content.decode()
