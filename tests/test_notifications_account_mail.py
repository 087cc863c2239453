"""allauth's own e-mails (password reset) go through the outbox when EMAIL_BACKEND says so."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from notifications.gateways import console
from notifications.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager_tasks():
    from bookingtjeneste.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    console.sent.clear()
    yield
    app.conf.task_always_eager = previous
    console.sent.clear()


def test_password_reset_mail_is_an_outbox_row(client, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "notifications.backends.OutboxEmailBackend"
    user = UserFactory(email="kari@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "KARI@example.com"})
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.recipient == user
    assert message.template_key == "django_email"
    assert message.status == Message.Status.SENT
    assert "/accounts/password/reset/key/" in message.body_text
    [sent] = console.sent
    assert sent["to"].lower() == "kari@example.com"


def test_unknown_address_reveals_nothing(client, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "notifications.backends.OutboxEmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    # allauth (prevent enumeration) mails the address that it has no account; no user linked.
    assert all(message.recipient is None for message in Message.objects.all())
