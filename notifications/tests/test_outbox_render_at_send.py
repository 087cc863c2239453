"""A customer's booking messages are rendered by the worker that sends them, not in the booking
request; batches of rows are claimed together. What is stored until then is references and
plain values, the text follows the data at send time, and an erased booking renders nothing.
"""

import json

import pytest
from django.db import connection
from django.template import TemplateDoesNotExist
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import Booking
from bookings.services import booking_create
from notifications.models import Message
from notifications.services import message_deliver, message_enqueue
from notifications.services.delivery import messages_deliver

from .conftest import at, next_monday
from .fakes import brevo_attachment_text

pytestmark = pytest.mark.django_db


def _book(customer, service):
    return booking_create(customer=customer, service=service, start=at(next_monday(), 10))


def test_booking_rows_hold_references_not_text(sms_customer, service):
    booking = _book(sms_customer, service)
    rows = Message.objects.filter(booking=booking)
    assert rows.count() == 6
    for row in rows:
        assert (row.subject, row.body_text, row.body_html) == ("", "", "")
        stored = json.dumps(row.render_context)
        # The person is the row's own recipient link, read at send time: not copied here.
        for personal in (sms_customer.full_name, str(sms_customer.phone), sms_customer.email):
            assert personal not in stored
        assert row.render_context["context"]["supplier"] == {
            "$model": "bookings.supplier",
            "pk": booking.supplier_id,
        }


def test_the_worker_renders_in_the_message_language_with_current_data(
    sms_customer, service, fake_twilio
):
    sms_customer.preferred_language = "en"
    sms_customer.save(update_fields=["preferred_language"])
    booking = _book(sms_customer, service)
    service.name = "Herreklipp & skjegg"
    service.save(update_fields=["name"])
    sms = Message.objects.get(booking=booking, template_key="booking_confirmation", channel="sms")

    assert message_deliver(message_id=sms.pk) == Message.Status.SENT
    sms.refresh_from_db()
    [request] = fake_twilio.sms_sent()
    assert request.data["Body"] == sms.body_text
    assert sms.body_text.startswith("Booking confirmed: Herreklipp & skjegg at ")
    assert booking.reference in sms.body_text
    assert sms.render_context == {}


def test_an_email_rendered_at_send_has_subject_text_and_html(customer, service, fake_brevo):
    booking = _book(customer, service)
    email = Message.objects.get(
        booking=booking, template_key="booking_confirmation", channel="email"
    )
    assert message_deliver(message_id=email.pk) == Message.Status.SENT
    email.refresh_from_db()
    [request] = fake_brevo.emails_sent()
    assert request.data["subject"] == email.subject and service.name in email.subject
    assert booking.reference in email.body_text and "<html" in email.body_html.lower()
    assert [item["name"] for item in request.data["attachment"]] == [f"{booking.reference}.ics"]
    # The calendar file is written at send time too; the row holds no copy of it.
    assert booking.reference in brevo_attachment_text(request)
    assert "content" not in email.attachments[0]


def test_a_deleted_booking_renders_nothing(sms_customer, service, fake_twilio):
    booking = _book(sms_customer, service)
    queued = Message.objects.filter(booking=booking)
    queued.update(due_at=timezone.now())  # the reminders too
    ids = list(queued.values_list("pk", flat=True))
    Booking.objects.filter(pk=booking.pk).delete()  # the rows keep their recipient link

    for message_id in ids:
        assert message_deliver(message_id=message_id) == Message.Status.SUPPRESSED
    assert not fake_twilio.requests
    rows = Message.objects.filter(pk__in=ids)
    reasons = dict(rows.values_list("template_key", "status_reason"))
    # Reminders stop already because the booking is no longer on (policy.py).
    assert reasons == {
        "booking_confirmation": "booking_erased",
        "booking_reminder": "booking_not_confirmed",
    }
    assert set(rows.values_list("body_text", flat=True)) == {""}
    assert all(row.render_context == {} for row in rows)


def test_a_booking_no_longer_the_recipients_renders_nothing(sms_customer, service, fake_twilio):
    booking = _book(sms_customer, service)
    sms = Message.objects.get(booking=booking, template_key="booking_confirmation", channel="sms")
    # Erasure anonymises a booking by unlinking its customer.
    Booking.objects.filter(pk=booking.pk).update(customer=None)

    assert message_deliver(message_id=sms.pk) == Message.Status.SUPPRESSED
    sms.refresh_from_db()
    assert (sms.status_reason, sms.body_text) == ("booking_erased", "")
    assert not fake_twilio.requests


def test_a_missing_template_still_fails_at_enqueue(customer, service):
    booking = _book(customer, service)
    with pytest.raises(TemplateDoesNotExist):
        message_enqueue(
            template_key="no_such_template",
            channel="sms",
            idempotency_key="render-later:missing",
            recipient=customer,
            booking=booking,
            context={"offset_minutes": 60},
        )
    with pytest.raises(ValueError):
        message_enqueue(
            template_key="../booking_reminder",
            channel="sms",
            idempotency_key="render-later:bad-key",
            recipient=customer,
            booking=booking,
        )


def test_a_batch_is_claimed_together_and_sent_once(sms_customer, service, fake_twilio):
    bookings = [
        booking_create(customer=sms_customer, service=service, start=at(next_monday(), hour))
        for hour in (9, 10, 11, 12)
    ]
    rows = Message.objects.filter(booking__in=bookings, template_key="booking_confirmation")
    ids = list(rows.filter(channel="sms").values_list("pk", flat=True))
    taken = ids[0]
    assert message_deliver(message_id=taken) == Message.Status.SENT

    with CaptureQueriesContext(connection) as queries:
        outcome = messages_deliver(message_ids=ids)
    assert outcome == {"not_claimed": 1, Message.Status.SENT: 3}
    bodies = [request.data["Body"] for request in fake_twilio.sms_sent()]
    assert len(bodies) == 4 and len(set(bodies)) == 4
    # Per message: the consent lookups and the outcome; per batch: claim and webhook check.
    assert len(queries) <= 4 * 3 + 6, [q["sql"][:80] for q in queries.captured_queries]
    assert set(rows.filter(pk__in=ids).values_list("status", flat=True)) == {"sent"}
