import json

import pytest
from django.utils import timezone

from notifications.models import InboundEvent, Message
from notifications.services import message_deliver, message_enqueue
from privacy.selectors import has_consent

from .conftest import TWILIO_TOKEN, consent, twilio_post

pytestmark = pytest.mark.django_db

STATUS_URL = "/webhooks/twilio/status/"
INBOUND_URL = "/webhooks/twilio/inbound/"


@pytest.fixture
def twilio_settings(settings):
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.TWILIO_ACCOUNT_SID = ""  # console sending; only the webhook secret matters here


@pytest.fixture
def sent_sms(sms_customer, twilio_settings):
    message = message_enqueue(
        template_key="marketing_newsletter",
        channel="sms",
        idempotency_key="sms:webhook",
        recipient=sms_customer,
        context={"headline": "Hei"},
    )
    message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    return message


def _status(client, message, status, **extra):
    return twilio_post(
        client,
        STATUS_URL,
        {"MessageSid": message.provider_message_id, "MessageStatus": status, **extra},
    )


def test_status_moves_forward_only(client, sent_sms):
    assert _status(client, sent_sms, "delivered").status_code == 204
    # A late "sent" (callbacks arrive out of order) does not move it back.
    assert _status(client, sent_sms, "sent").status_code == 204
    assert _status(client, sent_sms, "failed", ErrorCode="30003").status_code == 204
    sent_sms.refresh_from_db()
    assert sent_sms.status == Message.Status.DELIVERED
    assert sent_sms.delivered_at is not None
    # Replays are stored once.
    assert _status(client, sent_sms, "delivered").status_code == 204
    assert InboundEvent.objects.filter(provider="twilio_status").count() == 3


def test_undelivered_marks_failed_with_the_error_code(client, sent_sms):
    _status(client, sent_sms, "undelivered", ErrorCode="30005")
    sent_sms.refresh_from_db()
    assert (sent_sms.status, sent_sms.status_reason) == (Message.Status.FAILED, "twilio_30005")


def test_callback_before_our_own_update_is_applied_later(client, sms_customer, twilio_settings):
    message = message_enqueue(
        template_key="marketing_newsletter",
        channel="sms",
        idempotency_key="sms:race",
        recipient=sms_customer,
        context={"headline": "Hei"},
    )
    # The provider is fast: its callback arrives for an id we have not stored yet.
    twilio_post(client, STATUS_URL, {"MessageSid": "SMearly", "MessageStatus": "delivered"})
    event = InboundEvent.objects.get(provider_message_id="SMearly")
    assert event.processed_at is None
    from notifications.services.events import events_apply_pending

    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.SENT, provider_message_id="SMearly"
    )
    assert events_apply_pending(provider_message_id="SMearly") == 1
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED


@pytest.mark.parametrize("url", [STATUS_URL, INBOUND_URL])
def test_unsigned_and_forged_requests_are_refused(client, url, twilio_settings, sent_sms):
    params = {
        "MessageSid": sent_sms.provider_message_id,
        "MessageStatus": "delivered",
        "From": "+4791234567",
        "Body": "STOP",
    }
    unsigned = client.post(url, params)
    assert unsigned.status_code == 403
    assert unsigned.json()["code"] == "invalid_signature"
    forged = twilio_post(client, url, params, token="not-the-real-token")
    assert forged.status_code == 403
    tampered = twilio_post(client, url, {**params, "Body": "START"}, signature=None)
    assert tampered.status_code in (204, 200)  # correctly signed: accepted
    sent_sms.refresh_from_db()
    assert InboundEvent.objects.count() == 1


def test_signature_is_checked_against_site_url(client, settings, twilio_settings, sent_sms):
    from twilio.request_validator import RequestValidator

    params = {"MessageSid": sent_sms.provider_message_id, "MessageStatus": "delivered"}
    signed_for_other_host = RequestValidator(TWILIO_TOKEN).compute_signature(
        "https://evil.example" + STATUS_URL, params
    )
    response = client.post(STATUS_URL, params, HTTP_X_TWILIO_SIGNATURE=signed_for_other_host)
    assert response.status_code == 403


def test_webhooks_refuse_everything_without_an_auth_token(client, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    response = twilio_post(
        client, STATUS_URL, {"MessageSid": "SM1", "MessageStatus": "sent"}, token=""
    )
    assert response.status_code == 403


def test_bad_payload_is_a_400_not_a_500(client, twilio_settings):
    assert twilio_post(client, STATUS_URL, {"MessageStatus": "sent"}).status_code == 400
    assert twilio_post(client, INBOUND_URL, {"Body": "STOP"}).status_code == 400
    assert client.get(STATUS_URL).status_code == 405


def test_stop_withdraws_sms_consents(client, sms_customer, twilio_settings):
    consent(sms_customer, "marketing_sms")
    response = twilio_post(
        client,
        INBOUND_URL,
        {
            "MessageSid": "SMin1",
            "From": "+4791234567",
            "To": "+4759440000",
            "Body": "Stop",
            "OptOutType": "STOP",
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert "<Message>" not in response.content.decode()  # Twilio answers opt-outs itself
    assert not has_consent(subject=sms_customer, purpose="sms_notifications")
    assert not has_consent(subject=sms_customer, purpose="marketing_sms")
    from privacy.models import ConsentEvent

    latest = ConsentEvent.objects.filter(purpose="sms_notifications").order_by("-pk").first()
    assert latest.source == "sms" and latest.granted is False
    event = InboundEvent.objects.get(provider="twilio_inbound")
    assert event.payload == {
        "keyword": "stop",
        "OptOutType": "STOP",
        "users": [str(sms_customer.public_id)],
    }
    # No phone number or message text is stored.
    assert "+4791234567" not in json.dumps(event.payload)


def test_keyword_in_the_body_works_without_opt_out_type(client, sms_customer, twilio_settings):
    response = twilio_post(
        client,
        INBOUND_URL,
        {
            "MessageSid": "SMin2",
            "From": "+4791234567",
            "Body": " stopp ",
        },
    )
    assert "<Message>" in response.content.decode()
    assert not has_consent(subject=sms_customer, purpose="sms_notifications")


def test_start_regrants_notifications_but_not_marketing(client, sms_customer, twilio_settings):
    consent(sms_customer, "marketing_sms")
    twilio_post(client, INBOUND_URL, {"MessageSid": "SMa", "From": "+4791234567", "Body": "STOP"})
    twilio_post(
        client,
        INBOUND_URL,
        {"MessageSid": "SMb", "From": "+4791234567", "Body": "START", "OptOutType": "START"},
    )
    assert has_consent(subject=sms_customer, purpose="sms_notifications")
    assert not has_consent(subject=sms_customer, purpose="marketing_sms")


def test_help_and_replays(client, sms_customer, twilio_settings):
    response = twilio_post(
        client, INBOUND_URL, {"MessageSid": "SMh", "From": "+4791234567", "Body": "help"}
    )
    assert "STOP" in response.content.decode()
    twilio_post(client, INBOUND_URL, {"MessageSid": "SMs", "From": "+4791234567", "Body": "STOP"})
    consent(sms_customer, "sms_notifications")
    # Twilio retries the same webhook: it is not applied twice.
    twilio_post(client, INBOUND_URL, {"MessageSid": "SMs", "From": "+4791234567", "Body": "STOP"})
    assert has_consent(subject=sms_customer, purpose="sms_notifications")


# --- Brevo -----------------------------------------------------------------------------------


@pytest.fixture
def sent_email(customer, fake_brevo):
    consent(customer, "marketing_email")
    message = message_enqueue(
        template_key="marketing_newsletter",
        channel="email",
        idempotency_key="mail:webhook",
        recipient=customer,
        purpose="marketing",
        context={"headline": "Hei"},
    )
    message_deliver(message_id=message.pk)
    message.refresh_from_db()
    return message


def _brevo(client, payload, token="brevo-webhook-token-123"):
    return client.post(
        f"/webhooks/brevo/{token}/", json.dumps(payload), content_type="application/json"
    )


def _event(message, event, **extra):
    return {
        "event": event,
        "email": message.recipient.email,
        "message-id": message.provider_message_id,
        "ts_event": 1763900000,
        **extra,
    }


def test_brevo_token_is_required(client, sent_email):
    assert _brevo(client, _event(sent_email, "delivered"), token="wrong").status_code == 403
    sent_email.refresh_from_db()
    assert sent_email.status == Message.Status.SENT


def test_brevo_delivered_and_hard_bounce(client, sent_email):
    assert _brevo(client, _event(sent_email, "delivered")).status_code == 204
    sent_email.refresh_from_db()
    assert sent_email.status == Message.Status.DELIVERED


def test_brevo_hard_bounce_fails_without_retry(client, sent_email):
    _brevo(client, [_event(sent_email, "hard_bounce", reason="mailbox does not exist")])
    sent_email.refresh_from_db()
    assert (sent_email.status, sent_email.status_reason) == (Message.Status.FAILED, "hard_bounce")
    from notifications.services import outbox_relay

    assert outbox_relay(now=timezone.now() + timezone.timedelta(days=1)) == []


@pytest.mark.parametrize("event", ["unsubscribed", "spam"])
def test_brevo_unsubscribe_and_spam_withdraw_marketing(client, sent_email, event):
    assert has_consent(subject=sent_email.recipient, purpose="marketing_email")
    assert _brevo(client, _event(sent_email, event)).status_code == 204
    assert not has_consent(subject=sent_email.recipient, purpose="marketing_email")
    assert _brevo(client, _event(sent_email, event)).status_code == 204  # replay: harmless
    assert InboundEvent.objects.filter(provider="brevo", event_type=event).count() == 1


def test_brevo_bad_bodies(client, fake_brevo):
    url = "/webhooks/brevo/brevo-webhook-token-123/"
    assert client.post(url, "not json", content_type="application/json").status_code == 400
    assert client.post(url, "[1, 2]", content_type="application/json").status_code == 400
    assert client.post(url, "[]", content_type="application/json").status_code == 400
    # An event type we do not track (opens) is accepted and ignored.
    assert _brevo(client, {"event": "opened", "message-id": "<x>"}).status_code == 204
    assert not InboundEvent.objects.exists()
