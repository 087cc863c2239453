"""A worker that dies between the provider's answer and our row update must not send twice.

The outbox is at-least-once across such a crash; these close the window where the provider
allows: Brevo dedupes on an idempotency key, and for Twilio (no idempotency key for sends)
a retried SMS first asks Twilio whether it already holds that message.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.services import booking_create
from notifications.gateways import console, email_gateway, sms_gateway
from notifications.models import Message
from notifications.services import message_deliver, message_enqueue
from notifications.services.delivery import _outgoing_email, message_render_stored

from .conftest import at, next_monday

pytestmark = pytest.mark.django_db


def _booking_sms_and_email(customer, service):
    """A real booking's confirmation rows, queued (their send tasks run after commit only)."""
    booking = booking_create(customer=customer, service=service, start=at(next_monday(), 10))
    rows = Message.objects.filter(booking=booking, template_key="booking_confirmation")
    return rows.get(channel=Message.Channel.SMS), rows.get(channel=Message.Channel.EMAIL)


def _crash_after_provider_accepted(message: Message, send) -> None:
    """The first attempt: claimed, the provider accepts, then the worker dies (no row update)."""
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.SENDING,
        attempts=1,
        claimed_until=timezone.now() - timedelta(seconds=1),  # the lease has run out since
    )
    message.refresh_from_db()
    assert message_render_stored(message)  # a booking message is rendered by its sender
    send(message)


def test_a_retried_sms_that_twilio_already_accepted_is_not_sent_again(
    sms_customer, service, fake_twilio
):
    sms, _email = _booking_sms_and_email(sms_customer, service)
    _crash_after_provider_accepted(
        sms, lambda m: sms_gateway().send(to=str(sms_customer.phone), body=m.body_text)
    )
    assert len(fake_twilio.sms_sent()) == 1

    assert message_deliver(message_id=sms.pk) == Message.Status.SENT
    sms.refresh_from_db()
    assert len(fake_twilio.sms_sent()) == 1  # found at Twilio, not sent again
    assert sms.provider_message_id == fake_twilio.twilio_messages[0]["sid"]
    assert sms.attempts == 2
    lookups = [r for r in fake_twilio.requests if r.method == "GET"]
    assert lookups and lookups[0].path.endswith("/Messages.json")


def test_a_retried_sms_that_twilio_never_got_is_sent(sms_customer, service, fake_twilio):
    sms, _email = _booking_sms_and_email(sms_customer, service)
    # Twilio holds an older, different text to the same number: not ours.
    sms_gateway().send(to=str(sms_customer.phone), body="Noe annet")
    _crash_after_provider_accepted(sms, lambda m: None)  # died before the call

    assert message_deliver(message_id=sms.pk) == Message.Status.SENT
    sms.refresh_from_db()
    assert sms.booking.reference in sms.body_text  # rendered when it was sent
    assert [r.data["Body"] for r in fake_twilio.sms_sent()] == ["Noe annet", sms.body_text]


def test_a_first_attempt_does_not_ask_twilio(sms_customer, service, fake_twilio):
    sms, _email = _booking_sms_and_email(sms_customer, service)
    assert message_deliver(message_id=sms.pk) == Message.Status.SENT
    assert [r.method for r in fake_twilio.requests] == ["POST"]


def test_every_attempt_at_an_email_carries_the_same_brevo_idempotency_key(
    customer, service, fake_brevo
):
    _sms, email = _booking_sms_and_email(customer, service)
    _crash_after_provider_accepted(email, lambda m: email_gateway().send(_outgoing_email(m)))

    assert message_deliver(message_id=email.pk) == Message.Status.SENT
    keys = [r.data["headers"]["idempotencyKey"] for r in fake_brevo.emails_sent()]
    assert len(keys) == 2 and keys[0] == keys[1]
    assert fake_brevo.emails_delivered() == 1
    # A UUID, as Brevo requires, and different for another message.
    other = message_enqueue(
        template_key="marketing_newsletter",
        channel="email",
        idempotency_key="crash:other",
        recipient=customer,
        context={"headline": "Hei"},
    )
    assert _outgoing_email(other).idempotency_key != keys[0]
    assert len(keys[0]) == 36 and keys[0].count("-") == 4


def test_console_mode_behaves_the_same(sms_customer, service):
    sms, _email = _booking_sms_and_email(sms_customer, service)
    _crash_after_provider_accepted(
        sms, lambda m: sms_gateway().send(to=str(sms_customer.phone), body=m.body_text)
    )
    assert message_deliver(message_id=sms.pk) == Message.Status.SENT
    assert len([item for item in console.sent if item["channel"] == "sms"]) == 1
