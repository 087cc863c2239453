"""Art. 18 restriction and Art. 21 objection at send time: service messages about the person's
own bookings still go (by e-mail, and by SMS where they consented); marketing does not."""

import pytest
from django.utils import timezone

from bookings.services import booking_cancel, booking_create
from notifications.models import Message
from notifications.services import message_deliver, message_enqueue
from privacy.request_desk import subject_object, subject_restrict

from .conftest import at, consent, next_monday

pytestmark = pytest.mark.django_db


def _deliver_all(**filters) -> dict[tuple[str, str], str]:
    Message.objects.filter(status=Message.Status.QUEUED, **filters).update(due_at=timezone.now())
    outcome = {}
    for message in Message.objects.filter(**filters).order_by("pk"):
        message_deliver(message_id=message.pk)
        message.refresh_from_db()
        outcome[(message.template_key, message.channel)] = message.status_reason or message.status
    return outcome


@pytest.mark.parametrize("flag", [subject_restrict, subject_object], ids=["art18", "art21"])
def test_booking_messages_continue_marketing_stops(flag, sms_customer, service):
    consent(sms_customer, "marketing_email")
    booking = booking_create(customer=sms_customer, service=service, start=at(next_monday(2), 10))
    flag(user=sms_customer)

    outcome = _deliver_all(booking=booking)
    for channel in ("email", "sms"):
        assert outcome[("booking_confirmation", channel)] == Message.Status.SENT
        assert outcome[("booking_reminder", channel)] == Message.Status.SENT

    booking_cancel(booking=booking, by_user=sms_customer, by_supplier=True)
    outcome = _deliver_all(booking=booking, template_key="booking_cancellation")
    assert outcome == {
        ("booking_cancellation", "email"): Message.Status.SENT,
        ("booking_cancellation", "sms"): Message.Status.SENT,
    }

    news = message_enqueue(
        template_key="marketing_newsletter",
        channel="email",
        idempotency_key="news:restricted",
        recipient=sms_customer,
        purpose="marketing",
        context={"headline": "Tilbud"},
    )
    message_deliver(message_id=news.pk)
    news.refresh_from_db()
    assert news.status == Message.Status.SUPPRESSED
    assert news.status_reason == "no_marketing_basis"
