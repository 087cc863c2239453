"""§13 Withdrawal of your consent."""

import pytest
from rest_framework.test import APIClient

from privacy.models import MarketingListSync
from privacy.selectors import has_consent
from privacy.services import consent_set, unsubscribe_url_for

pytestmark = pytest.mark.django_db


def test_withdraw_at_any_time_in_the_privacy_centre(client, user):
    """“You have the right to withdraw your consent at any time.” — as easily as giving it."""
    client.force_login(user)
    client.post("/privacy/centre/", {"purpose": "personalisation", "granted": "1"})
    assert has_consent(subject=user, purpose="personalisation")
    client.post("/privacy/centre/", {"purpose": "personalisation", "granted": "0"})
    assert not has_consent(subject=user, purpose="personalisation")


def test_withdraw_through_the_api(user):
    """Withdrawal through the API is the same one call as giving consent."""
    api = APIClient()
    api.force_authenticate(user)
    api.put("/api/v1/privacy/consents/marketing_sms/", {"granted": True}, format="json")
    api.put("/api/v1/privacy/consents/marketing_sms/", {"granted": False}, format="json")
    assert not has_consent(subject=user, purpose="marketing_sms")


def test_withdrawal_does_not_affect_earlier_lawfulness(user):
    """“This will not affect the lawfulness of the processing before its withdrawal.” — the
    ledger still answers yes for the time before."""
    granted = consent_set(subject=user, purpose="marketing_email", granted=True, source="web")
    consent_set(subject=user, purpose="marketing_email", granted=False, source="web")
    assert has_consent(subject=user, purpose="marketing_email", at=granted.created_at)
    assert not has_consent(subject=user, purpose="marketing_email")


def test_unsubscribe_removes_you_from_our_marketing_lists(
    client, user, django_capture_on_commit_callbacks
):
    """“Clicking the unsubscribe link ... You will then be removed from our marketing lists.”"""
    with django_capture_on_commit_callbacks(execute=True):
        consent_set(subject=user, purpose="marketing_email", granted=True, source="web")
    path = unsubscribe_url_for(user=user, purpose="marketing_email").removeprefix(
        "http://testserver"
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path)
    actions = list(MarketingListSync.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["add", "remove"]


def test_service_messages_still_arrive_after_opting_out(user):
    """“We may still communicate with you – for example, to send you service-related
    messages.” — transactional e-mail is allowed without marketing consent."""
    from notifications.models import Message
    from notifications.policy import send_decision

    consent_set(subject=user, purpose="marketing_email", granted=False, source="email_unsubscribe")
    message = Message(
        channel="email",
        template_key="booking_confirmation",
        recipient=user,
        purpose="transactional",
    )
    assert send_decision(message).allowed
    marketing = Message(
        channel="email", template_key="newsletter", recipient=user, purpose="marketing"
    )
    assert not send_decision(marketing).allowed


def test_do_not_track_is_honoured(client, tags):
    """“Most browsers ... include a do-not-track (“DNT”) feature” — we honour DNT and GPC."""
    client.post("/cookies/consent/", {"choice": "accept_all"})
    assert "gtag/js" in client.get("/").content.decode()
    assert "gtag/js" not in client.get("/", HTTP_DNT="1").content.decode()
    assert "gtag/js" not in client.get("/", HTTP_SEC_GPC="1").content.decode()


def test_cookie_statement_exists(client):
    """“For more information, see our Cookie Statement on the website.”"""
    response = client.get("/cookies/")
    assert response.status_code == 200 and "bt_consent_id" in response.content.decode()
