import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from accounts.tests.factories import UserFactory
from notifications.backends import OutboxEmailBackend
from notifications.gateways import console
from notifications.models import Message

pytestmark = pytest.mark.django_db


def test_django_mail_goes_through_the_outbox(
    customer, fake_brevo, django_capture_on_commit_callbacks
):
    message = EmailMultiAlternatives(
        "Bekreft e-postadressen", "Klikk lenken.", to=[customer.email.upper()]
    )
    message.attach_alternative("<p>Klikk lenken.</p>", "text/html")
    message.attach("vilkar.txt", "Vilkår", "text/plain")
    with django_capture_on_commit_callbacks(execute=True):
        assert OutboxEmailBackend().send_messages([message]) == 1
    row = Message.objects.get()
    assert row.recipient == customer and row.to_address == customer.email.upper()
    assert row.template_key == "django_email" and row.status == Message.Status.SENT
    [sent] = fake_brevo.emails_sent()
    assert sent.data["subject"] == "Bekreft e-postadressen"
    assert sent.data["htmlContent"] == "<p>Klikk lenken.</p>"
    assert sent.data["attachment"][0]["name"] == "vilkar.txt"


def test_mail_to_an_address_without_account(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "notifications.backends.OutboxEmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        mail.send_mail("Hei", "Tekst", None, ["ny@example.org", "to@example.org"])
    assert Message.objects.count() == 2
    assert {item["to"] for item in console.sent} == {"ny@example.org", "to@example.org"}
    assert console.sent[0]["text"] == "Tekst"


def test_admin_lists_filters_and_retries(client, customer):
    admin = UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(admin, generate_totp_secret())
    failed = Message.objects.create(
        channel="email",
        template_key="booking_reminder",
        recipient=customer,
        idempotency_key="k-failed",
        status=Message.Status.FAILED,
        attempts=8,
        status_reason="max_attempts",
    )
    sent = Message.objects.create(
        channel="email",
        template_key="booking_confirmation",
        recipient=customer,
        idempotency_key="k-sent",
        status=Message.Status.SENT,
    )
    client.force_login(admin)
    url = reverse("admin:notifications_message_changelist")
    response = client.get(url, {"status__exact": "failed", "channel__exact": "email"})
    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [failed]
    response = client.post(
        url, {"action": "retry_failed", "_selected_action": [failed.pk, sent.pk]}
    )
    assert response.status_code == 302
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts) == (Message.Status.QUEUED, 0)
    assert sent.status == Message.Status.SENT
    detail = client.get(reverse("admin:notifications_message_change", args=[failed.pk]))
    assert detail.status_code == 200


def test_admin_retry_needs_change_permission(client, customer):
    from django.contrib.auth.models import Permission

    viewer = UserFactory(is_staff=True)
    TOTP.activate(viewer, generate_totp_secret())
    viewer.user_permissions.add(Permission.objects.get(codename="view_message"))
    failed = Message.objects.create(
        channel="email",
        template_key="booking_reminder",
        recipient=customer,
        idempotency_key="k-failed",
        status=Message.Status.FAILED,
    )
    client.force_login(viewer)
    url = reverse("admin:notifications_message_changelist")
    assert client.get(url).status_code == 200
    client.post(url, {"action": "retry_failed", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.status == Message.Status.FAILED
