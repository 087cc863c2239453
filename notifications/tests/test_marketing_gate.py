"""Marketing Act §15 at send time: who may get marketing, through the outbox and delivery.

SMS marketing needs its own `marketing_sms` consent (a number verified by one-time code or given
for booking SMS is not a marketing number). E-mail marketing needs consent, or the existing-
customer exception, which only holds for someone who confirmed 18+ and was offered the refusal.
"""

import pytest
from django.utils import timezone

from accounts import roles
from accounts.tests.factories import StaffUserFactory, UserFactory
from bookings.services import booking_create, booking_create_by_phone
from notifications.models import Message
from notifications.services import message_deliver, message_enqueue
from privacy.services import consent_set

from .conftest import at, consent, next_monday

pytestmark = pytest.mark.django_db


def _marketing(user, *, channel: str, key: str) -> Message:
    message = message_enqueue(
        template_key="marketing_newsletter",
        channel=channel,
        idempotency_key=key,
        recipient=user,
        purpose="marketing",
        context={"headline": "Høsttilbud", "text": "20 % på klipp."},
    )
    message_deliver(message_id=message.pk)
    message.refresh_from_db()
    return message


def _active_customer(customer, service, hour=10):
    return booking_create(customer=customer, service=service, start=at(next_monday(), hour))


def test_marketing_sms_never_goes_to_a_number_given_for_one_time_codes(customer, service):
    """An active customer whose number was verified by OTP (and who takes booking SMS) but who
    never said yes to offers by SMS gets none."""
    consent(customer, "sms_notifications")
    _active_customer(customer, service)
    assert _marketing(customer, channel="sms", key="sms:otp").status_reason == (
        "no_marketing_basis"
    )
    consent(customer, "marketing_sms")
    message = _marketing(customer, channel="sms", key="sms:otp:2")
    assert message.status == Message.Status.SENT
    assert message.marketing_basis == Message.MarketingBasis.CONSENT


def test_declining_marketing_e_mail_at_sign_up_means_no_marketing_sms_either(customer, service):
    consent_set(subject=customer, purpose="marketing_email", granted=False, source="signup")
    _active_customer(customer, service)
    assert _marketing(customer, channel="sms", key="sms:declined").status == (
        Message.Status.SUPPRESSED
    )
    assert _marketing(customer, channel="email", key="email:declined").status == (
        Message.Status.SUPPRESSED
    )


def test_phone_booked_customer_gets_no_marketing_e_mail(service):
    staff = StaffUserFactory(role=roles.ADMINISTRATOR)
    booking = booking_create_by_phone(
        staff_user=staff,
        customer_email="ringte@example.com",
        customer_name="Per Telefon",
        service=service,
        start=at(next_monday(), 11),
    )
    phone_customer = booking.customer
    assert phone_customer.age_confirmed_at is None
    message = _marketing(phone_customer, channel="email", key="email:phone")
    assert message.status == Message.Status.SUPPRESSED
    assert message.status_reason == "no_marketing_basis"


def test_existing_customer_exception_only_after_the_refusal_was_offered(client, service):
    """Confirmed 18+, an active customer, never answered: nothing until the privacy centre has
    shown the refusal; then the exception applies, and saying no there ends it."""
    user = UserFactory(age_confirmed_at=timezone.now())
    _active_customer(user, service)
    assert _marketing(user, channel="email", key="email:1").status == Message.Status.SUPPRESSED

    client.force_login(user)
    page = client.get("/privacy/centre/").content.decode()
    assert 'data-testid="marketing-refusal"' in page
    message = _marketing(user, channel="email", key="email:2")
    assert message.status == Message.Status.SENT
    assert message.marketing_basis == Message.MarketingBasis.EXISTING_CUSTOMER

    client.post("/privacy/centre/", {"purpose": "marketing_email", "granted": "0"})
    assert _marketing(user, channel="email", key="email:3").status == Message.Status.SUPPRESSED
    assert _marketing(user, channel="sms", key="sms:3").status == Message.Status.SUPPRESSED


def test_no_existing_customer_exception_without_18_plus_confirmation(client, service):
    user = UserFactory(age_confirmed_at=None)
    _active_customer(user, service)
    client.force_login(user)
    client.get("/privacy/centre/")
    assert _marketing(user, channel="email", key="email:minor?").status_reason == (
        "no_marketing_basis"
    )
