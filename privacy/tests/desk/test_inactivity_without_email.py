"""Inactive customers without a login e-mail: warned on the channel they have, then erased.

A customer booked by phone has a name and a mobile number, perhaps a contact address, and no
login. The inactivity rule warned only by e-mail to the login address, so such records were
never warned and so never erased. Dates are driven through `privacy_sweep --as-of`, as in
test_inactivity.py.
"""

import io
from datetime import date, datetime, time

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.services import customer_for_phone_booking
from notifications.models import Message
from notifications.policy import send_decision
from notifications.services import message_deliver
from notifications.tests.fakes import FakeProvider
from privacy.services import consent_set

pytestmark = pytest.mark.django_db

WARNING = "privacy_inactivity_warning"


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


def sweep(day: date) -> None:
    call_command("privacy_sweep", "--as-of", day.isoformat(), stdout=io.StringIO())


def exists(user) -> bool:
    return type(user).objects.filter(pk=user.pk).exists()


def warnings(user) -> list[Message]:
    return list(Message.objects.filter(template_key=WARNING, recipient=user))


def _dormant(**typed):
    """A phone-booked customer record (no login) last active on 1 June 2017."""
    user = customer_for_phone_booking(full_name="Ola Telefonkunde", **typed)
    type(user).objects.filter(pk=user.pk).update(date_joined=at(date(2017, 6, 1)))
    user.refresh_from_db()
    return user


@pytest.fixture
def fake_twilio(settings):
    with FakeProvider() as fake:
        settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
        settings.TWILIO_AUTH_TOKEN = "test-auth-token-0123456789abcdef"
        settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "2" * 32
        settings.TWILIO_API_URL = fake.url
        yield fake


def test_phone_only_customer_is_warned_by_sms_then_erased(private_media, fake_twilio):
    customer = _dormant(phone="+4791234567")
    assert customer.email is None and customer.contact_email == ""
    assert customer.phone_verified_at is None  # typed by staff, never verified by a code
    # The notice does not rest on the optional SMS notifications: it goes even after a refusal.
    consent_set(subject=customer, purpose="sms_notifications", granted=False, source="web")

    sweep(date(2021, 2, 1))

    [warning] = warnings(customer)
    assert warning.channel == Message.Channel.SMS
    assert warning.purpose == Message.Purpose.TRANSACTIONAL
    assert message_deliver(message_id=warning.pk) == Message.Status.SENT
    [sms] = fake_twilio.sms_sent()
    assert sms.data["To"] == "+4791234567"
    assert "blir slettet 03.03.2021" in sms.data["Body"]  # in the customer's language
    assert "/contact/" in sms.data["Body"]
    # Nothing about the person beyond the number it is sent to (it was typed, not verified).
    assert "Ola" not in sms.data["Body"] and "Telefonkunde" not in sms.data["Body"]

    sweep(date(2021, 2, 20))
    assert exists(customer)
    sweep(date(2021, 3, 5))
    assert not exists(customer)


def test_the_exception_is_only_the_notice_booking_sms_still_need_a_verified_number(db):
    customer = _dormant(phone="+4791234567")
    booking_sms = Message(
        channel=Message.Channel.SMS,
        template_key="booking_confirmation",
        purpose=Message.Purpose.TRANSACTIONAL,
        recipient=customer,
    )
    assert send_decision(booking_sms).reason == "phone_not_verified"


def test_record_with_a_contact_address_is_warned_by_email_without_a_login_link(private_media):
    customer = _dormant(phone="+4791234567", email="ola.kontakt@example.org")
    assert customer.email is None and customer.contact_email == "ola.kontakt@example.org"

    sweep(date(2021, 2, 1))

    [warning] = warnings(customer)
    assert warning.channel == Message.Channel.EMAIL
    assert message_deliver(message_id=warning.pk) == Message.Status.SENT
    warning.refresh_from_db()
    # A record without a login is kept by booking again, not by logging in.
    assert "/accounts/login/" not in warning.body_text
    assert "/contact/" in warning.body_text
    sweep(date(2021, 3, 5))
    assert not exists(customer)


def test_record_with_no_address_at_all_is_erased_after_the_same_period_without_warning(
    private_media,
):
    customer = _dormant(phone=None)
    assert not (customer.email or customer.contact_email or customer.phone)

    sweep(date(2021, 2, 1))
    assert warnings(customer) == []
    assert exists(customer)  # the same 30 days a warned person gets to book again
    sweep(date(2021, 3, 5))
    assert not exists(customer)
