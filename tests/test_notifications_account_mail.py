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


def _phone_booking(email: str):
    from accounts import roles
    from accounts.tests.factories import StaffUserFactory
    from bookings.services import booking_create_by_phone
    from bookings.tests.conftest import at, next_weekday
    from bookings.tests.factories import ResourceFactory, ServiceFactory

    resource = ResourceFactory()
    service = ServiceFactory(supplier=resource.supplier, resources=[resource])
    return booking_create_by_phone(
        staff_user=StaffUserFactory(role=roles.ADMINISTRATOR),
        customer_name="Per Telefon",
        customer_phone="+4795555555",
        customer_email=email,
        service=service,
        start=at(next_weekday(0), 11),
    )


def test_phone_customer_gets_booking_mail_but_never_account_mail(
    client, settings, django_capture_on_commit_callbacks
):
    """Booked by phone, no password: the confirmation goes to the address given, but nothing
    about an account the person never made, e.g. a password reset for it (it would tell them
    someone made one in their name, or invite them to take it over)."""
    settings.EMAIL_BACKEND = "notifications.backends.OutboxEmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        booking = _phone_booking("ringer@example.com")
    customer = booking.customer
    assert not customer.has_usable_password()
    confirmation = Message.objects.get(
        recipient=customer, channel=Message.Channel.EMAIL, template_key="booking_confirmation"
    )
    assert confirmation.status == Message.Status.SENT, confirmation.status_reason
    assert [sent["to"] for sent in console.sent if "to" in sent] == ["ringer@example.com"]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "ringer@example.com"})
    assert response.status_code == 302
    assert not Message.objects.filter(recipient=customer, template_key="django_email").exists()
    # The address can still sign up for a real account of its own.
    assert customer.email is None
