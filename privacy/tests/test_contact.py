from datetime import timedelta

import pytest
from django.template import Context, Template
from django.test import RequestFactory, override_settings
from django.utils import timezone

from notifications.models import Message
from privacy.consent_context import ConsentContext
from privacy.models import ContactMessage
from privacy.retention import contact_messages_purge
from privacy.services import consent_set
from privacy.tasks import contact_messages_purge_task

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Kari Nordmann",
    "email": "kari@example.com",
    "subject": "Spørsmål om <timer> & priser",
    "message": "Hei! Kan jeg flytte timen min?",
    "website": "",
}


@override_settings(CONTACT_EMAIL="kontakt@bookingtjeneste.no")
def test_message_is_e_mailed_through_the_outbox_and_copied(client):
    response = client.post("/contact/", VALID)
    assert response.status_code == 302
    copy = ContactMessage.objects.get()
    assert copy.email == "kari@example.com"
    message = Message.objects.get(template_key="contact_message")
    assert message.to_address == "kontakt@bookingtjeneste.no"
    assert message.recipient is None
    assert "Kan jeg flytte timen min?" in message.body_text
    assert "kari@example.com" in message.body_text
    assert "<timer> & priser" in message.subject  # plain text, not HTML-escaped


def test_nothing_else_is_stored():
    fields = {f.name for f in ContactMessage._meta.get_fields()}
    assert fields == {"id", "name", "email", "subject", "message", "created_at"}


def test_honeypot_stores_and_sends_nothing(client):
    response = client.post("/contact/", {**VALID, "website": "http://spam.example"})
    assert response.status_code == 302
    assert not ContactMessage.objects.exists()
    assert not Message.objects.filter(template_key="contact_message").exists()


def test_invalid_form_is_400_without_writes(client):
    response = client.post("/contact/", {**VALID, "email": "not-an-address", "message": ""})
    assert response.status_code == 400
    assert "field-error" in response.content.decode()
    assert not ContactMessage.objects.exists()
    assert client.post("/contact/", {**VALID, "message": "x" * 6000}).status_code == 400


def test_rate_limited(client):
    codes = [client.post("/contact/", VALID).status_code for _ in range(6)]
    assert codes[:5] == [302] * 5 and codes[5] == 429
    assert ContactMessage.objects.count() == 5


def test_copies_are_deleted_after_90_days():
    old = ContactMessage.objects.create(name="a", email="a@x.no", subject="s", message="m")
    ContactMessage.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=91))
    recent = ContactMessage.objects.create(name="b", email="b@x.no", subject="s", message="m")
    assert contact_messages_purge() == 1
    assert list(ContactMessage.objects.values_list("pk", flat=True)) == [recent.pk]
    assert contact_messages_purge() == 0
    assert contact_messages_purge(now=timezone.now() + timedelta(days=91)) == 1
    assert contact_messages_purge_task.apply().get() == 0


def _render_youtube(request) -> str:
    template = Template("{% load privacy_tags %}{% youtube_embed 'dQw4w9WgXcQ' 'Demo' %}")
    return template.render(Context({"request": request}))


def test_youtube_is_a_placeholder_until_advertising_is_granted():
    request = RequestFactory().get("/")
    request.user = __import__(
        "django.contrib.auth.models", fromlist=["AnonymousUser"]
    ).AnonymousUser()
    request.consent = ConsentContext(request)
    html = _render_youtube(request)
    assert "<iframe" not in html and "data-youtube-id" not in html
    assert "frame-src" not in request.consent.csp_update

    consent_id = "0b6b0e4c-7c1e-4c52-9d8c-6a1f6c1b2a10"
    consent_set(subject=consent_id, purpose="advertising_cookies", granted=True, source="banner")
    request = RequestFactory().get("/", HTTP_COOKIE=f"bt_consent_id={consent_id}")
    request.user = __import__(
        "django.contrib.auth.models", fromlist=["AnonymousUser"]
    ).AnonymousUser()
    request.consent = ConsentContext(request)
    html = _render_youtube(request)
    # Still click-to-load: a button, no iframe until the visitor presses it.
    assert 'data-youtube-id="dQw4w9WgXcQ"' in html and "<iframe" not in html
    assert request.consent.csp_update["frame-src"] == {"https://www.youtube-nocookie.com"}
