"""Booking events → outbox rows → the real Twilio and Brevo SDKs → local fake providers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.services import booking_cancel, booking_create, booking_reschedule
from notifications.models import Message
from notifications.services import message_deliver, outbox_relay
from notifications.tasks import relay_outbox

from .conftest import at, consent, next_monday
from .fakes import brevo_attachment_text

pytestmark = pytest.mark.django_db


def _book(customer, service, *, hour=10, weeks=1, capture=None):
    start = at(next_monday(weeks), hour)
    if capture is None:
        return booking_create(customer=customer, service=service, start=start)
    with capture(execute=True):
        return booking_create(customer=customer, service=service, start=start)


def test_confirmation_reaches_fake_twilio_and_brevo(
    sms_customer, service, fake_twilio, fake_brevo, django_capture_on_commit_callbacks
):
    booking = _book(sms_customer, service, capture=django_capture_on_commit_callbacks)

    [sms] = fake_twilio.sms_sent()
    assert sms.path == f"/2010-04-01/Accounts/{'AC' + '1' * 32}/Messages.json"
    assert sms.data["To"] == "+4791234567"
    assert sms.data["MessagingServiceSid"] == "MG" + "2" * 32
    assert sms.data["StatusCallback"] == "http://testserver/webhooks/twilio/status/"
    assert sms.data["Body"].startswith("Bestilling bekreftet: Dameklipp hos Salong Nord")
    assert booking.reference in sms.data["Body"]

    [email] = fake_brevo.emails_sent()
    assert email.headers["api-key"] == "xkeysib-test"
    assert email.data["to"] == [{"email": sms_customer.email, "name": "Kari Nordmann"}]
    assert email.data["subject"] == "Bestilling bekreftet: Dameklipp hos Salong Nord"
    assert booking.reference in email.data["textContent"]
    assert "<h1" in email.data["htmlContent"]
    ics = brevo_attachment_text(email)
    assert ics.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert f"UID:{booking.reference}@bookingtjeneste.no\r\n" in ics
    assert f"DTSTART:{booking.start.strftime('%Y%m%dT%H%M%SZ')}\r\n" in ics
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    assert "List-Unsubscribe" not in (email.data.get("headers") or {})  # not marketing

    rows = Message.objects.filter(booking=booking, template_key="booking_confirmation")
    assert {row.status for row in rows} == {Message.Status.SENT}
    assert {row.provider_message_id[:1] for row in rows} == {"S", "<"}


def test_reminders_are_rows_with_due_times(sms_customer, service, fake_twilio):
    booking = _book(sms_customer, service, weeks=2)
    reminders = Message.objects.filter(booking=booking, template_key="booking_reminder")
    assert reminders.count() == 4  # 24 h and 2 h, e-mail and SMS
    assert {r.due_at for r in reminders} == {
        booking.start - timedelta(hours=24),
        booking.start - timedelta(hours=2),
    }
    assert all(r.status == Message.Status.QUEUED for r in reminders)
    # Nothing goes before it is due; at the due time the relay sends exactly those.
    outbox_relay()
    assert fake_twilio.sms_sent() == []
    due = set(outbox_relay(now=booking.start - timedelta(hours=24) + timedelta(seconds=1)))
    confirmations = set(
        Message.objects.filter(template_key="booking_confirmation").values_list("pk", flat=True)
    )
    assert due - confirmations == set(
        reminders.filter(due_at=booking.start - timedelta(hours=24)).values_list("pk", flat=True)
    )


def test_supplier_reminder_offsets(sms_customer, service):
    service.supplier.reminder_offsets_minutes = [60 * 48]
    service.supplier.save()
    booking = _book(sms_customer, service, weeks=2)
    reminders = Message.objects.filter(booking=booking, template_key="booking_reminder")
    assert {r.due_at for r in reminders} == {booking.start - timedelta(hours=48)}


def test_moved_booking_never_gets_a_stale_reminder(
    sms_customer, service, fake_twilio, fake_brevo, django_capture_on_commit_callbacks
):
    booking = _book(sms_customer, service, weeks=2, capture=django_capture_on_commit_callbacks)
    old_start = booking.start
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_reschedule(
            booking=booking, start=old_start + timedelta(days=1), by_user=sms_customer
        )
    reminders = Message.objects.filter(booking=booking, template_key="booking_reminder")
    stale = reminders.filter(due_at__lt=old_start)
    assert {(r.status, r.status_reason) for r in stale} == {
        (Message.Status.SUPPRESSED, "booking_rescheduled")
    }
    fresh = reminders.filter(status=Message.Status.QUEUED)
    assert {r.due_at for r in fresh} == {
        booking.start - timedelta(hours=24),
        booking.start - timedelta(hours=2),
    }
    change_sms = [r for r in fake_twilio.sms_sent() if "flyttet" in r.data["Body"]]
    assert len(change_sms) == 1
    change_mail = [e for e in fake_brevo.emails_sent() if "endret" in e.data["subject"]]
    assert len(change_mail) == 1
    ics = brevo_attachment_text(change_mail[0])
    assert f"UID:{booking.reference}@bookingtjeneste.no" in ics
    assert "SEQUENCE:0" not in ics

    # At the old reminder time nothing is sent.
    before = len(fake_twilio.sms_sent())
    with django_capture_on_commit_callbacks(execute=True):
        relay_outbox.apply(kwargs={})
    for message_id in outbox_relay(now=old_start - timedelta(hours=2) + timedelta(seconds=1)):
        message_deliver(message_id=message_id)
    assert len(fake_twilio.sms_sent()) == before


def test_cancelled_booking_cancels_reminders_and_tells_the_customer(
    sms_customer, service, fake_twilio, django_capture_on_commit_callbacks
):
    booking = _book(sms_customer, service, weeks=2)
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, by_user=sms_customer, by_supplier=False)
    reminders = Message.objects.filter(booking=booking, template_key="booking_reminder")
    assert set(reminders.values_list("status_reason", flat=True)) == {"booking_cancelled"}
    cancellation = Message.objects.get(
        booking=booking, template_key="booking_cancellation", channel="sms"
    )
    assert cancellation.status == Message.Status.SENT
    assert fake_twilio.sms_sent()[-1].data["Body"].startswith("Avbestilt: Dameklipp")
    # Even a reminder row a worker already held is stopped at send time.
    held = reminders.first()
    Message.objects.filter(pk=held.pk).update(
        status=Message.Status.QUEUED, due_at=timezone.now(), status_reason=""
    )
    assert message_deliver(message_id=held.pk) == Message.Status.SUPPRESSED


def test_without_sms_consent_nothing_reaches_twilio(
    customer, service, fake_twilio, fake_brevo, django_capture_on_commit_callbacks
):
    booking = _book(customer, service, capture=django_capture_on_commit_callbacks)
    assert fake_twilio.requests == []
    sms = Message.objects.get(booking=booking, template_key="booking_confirmation", channel="sms")
    assert (sms.status, sms.status_reason) == (Message.Status.SUPPRESSED, "no_sms_consent")
    # Booking e-mails are part of the contract and go regardless.
    assert len(fake_brevo.emails_sent()) == 1


def test_consent_withdrawn_after_booking_stops_the_reminder(sms_customer, service, fake_twilio):
    booking = _book(sms_customer, service, weeks=2)
    consent(sms_customer, "sms_notifications", granted=False)
    reminder = Message.objects.get(
        booking=booking,
        template_key="booking_reminder",
        channel="sms",
        due_at=booking.start - timedelta(hours=2),
    )
    Message.objects.filter(pk=reminder.pk).update(due_at=timezone.now())
    assert message_deliver(message_id=reminder.pk) == Message.Status.SUPPRESSED
    assert fake_twilio.sms_sent() == []


def test_english_customer_gets_english(sms_customer, service, fake_twilio, fake_brevo):
    sms_customer.preferred_language = "en"
    sms_customer.save()
    booking = _book(sms_customer, service)
    for message in Message.objects.filter(booking=booking, template_key="booking_confirmation"):
        message_deliver(message_id=message.pk)
    assert fake_twilio.sms_sent()[0].data["Body"].startswith("Booking confirmed: Dameklipp")
    assert fake_brevo.emails_sent()[0].data["subject"].startswith("Booking confirmed")


def test_provider_503_three_times_then_200_is_delivered_once(sms_customer, service, fake_twilio):
    booking = _book(sms_customer, service)
    sms = Message.objects.get(booking=booking, template_key="booking_confirmation", channel="sms")
    fake_twilio.fail_next(
        503, {"code": 20503, "message": "Service unavailable", "status": 503}, times=3
    )
    outcomes = []
    for _attempt in range(6):
        outcomes.append(message_deliver(message_id=sms.pk))
        sms.refresh_from_db()
        if sms.status == Message.Status.QUEUED:
            # The row holds the backed-off due time; the relay would pick it up then.
            assert sms.due_at > timezone.now()
            assert "503" in sms.last_error
            Message.objects.filter(pk=sms.pk).update(due_at=timezone.now())
    assert outcomes[:4] == ["queued", "queued", "queued", "sent"]
    assert outcomes[4:] == ["not_claimed", "not_claimed"]
    assert sms.attempts == 4
    assert len(fake_twilio.sms_sent()) == 1
    # Each retry first asks Twilio whether an earlier attempt got through (GET), and the
    # outage answers those too; the text itself was posted twice.
    calls = [r.method for r in fake_twilio.requests if r.path.endswith("Messages.json")]
    assert calls == ["POST", "GET", "GET", "GET", "POST"]


def test_backoff_grows_and_is_bounded(sms_customer, service, fake_twilio):
    booking = _book(sms_customer, service)
    sms = Message.objects.get(booking=booking, template_key="booking_confirmation", channel="sms")
    fake_twilio.fail_next(500, {"code": 20500, "message": "Internal", "status": 500}, times=20)
    delays = []
    while True:
        before = timezone.now()
        status = message_deliver(message_id=sms.pk)
        sms.refresh_from_db()
        if status != "queued":
            break
        delays.append((sms.due_at - before).total_seconds())
        Message.objects.filter(pk=sms.pk).update(due_at=timezone.now())
    assert status == "failed" and sms.status_reason == "max_attempts"
    assert sms.attempts == 8
    assert delays == sorted(delays) and delays[0] < 40 and delays[-1] < 60 * 60 * 1.2


def test_permanent_twilio_error_is_not_retried_and_stop_is_recorded(
    sms_customer, service, fake_twilio
):
    from privacy.selectors import has_consent

    booking = _book(sms_customer, service)
    sms = Message.objects.get(booking=booking, template_key="booking_confirmation", channel="sms")
    fake_twilio.fail_next(
        400, {"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400}
    )
    assert message_deliver(message_id=sms.pk) == Message.Status.FAILED
    sms.refresh_from_db()
    assert (sms.status, sms.status_reason) == (Message.Status.FAILED, "21610")
    assert outbox_relay() == []
    assert not has_consent(subject=sms_customer, purpose="sms_notifications")


def test_invalid_number_fails_permanently(sms_customer, service, fake_twilio):
    booking = _book(sms_customer, service)
    sms = Message.objects.get(booking=booking, template_key="booking_confirmation", channel="sms")
    fake_twilio.fail_next(400, {"code": 21211, "message": "Invalid 'To'", "status": 400})
    assert message_deliver(message_id=sms.pk) == Message.Status.FAILED
    assert message_deliver(message_id=sms.pk) == "not_claimed"


def test_brevo_hard_errors_and_outages(customer, service, fake_brevo):
    booking = _book(customer, service)
    email = Message.objects.get(
        booking=booking, template_key="booking_confirmation", channel="email"
    )
    fake_brevo.fail_next(503, {"code": "unavailable", "message": "down"})
    assert message_deliver(message_id=email.pk) == Message.Status.QUEUED
    Message.objects.filter(pk=email.pk).update(due_at=timezone.now())
    fake_brevo.fail_next(400, {"code": "invalid_parameter", "message": "email is not valid"})
    assert message_deliver(message_id=email.pk) == Message.Status.FAILED
    email.refresh_from_db()
    assert email.status_reason == "invalid_parameter"


def test_marketing_email_carries_rfc8058_headers(customer, fake_brevo):
    from notifications.services import message_enqueue

    consent(customer, "marketing_email")
    message = message_enqueue(
        template_key="marketing_newsletter",
        channel="email",
        idempotency_key="news:2026-11",
        recipient=customer,
        purpose="marketing",
        context={"headline": "Nyhetsbrev", "text": "Nytt hos oss."},
    )
    assert message_deliver(message_id=message.pk) == Message.Status.SENT
    [email] = fake_brevo.emails_sent()
    headers = email.data["headers"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("http://testserver/")
    assert customer.email not in url


def test_garbage_from_the_provider_is_retried_not_stuck(sms_customer, service, fake_twilio):
    booking = _book(sms_customer, service)
    sms = Message.objects.get(booking=booking, template_key="booking_confirmation", channel="sms")
    fake_twilio.fail_next(201, b"<html>proxy error</html>")
    assert message_deliver(message_id=sms.pk) == Message.Status.QUEUED
    sms.refresh_from_db()
    assert sms.status == Message.Status.QUEUED and "internal_error" in sms.last_error
    Message.objects.filter(pk=sms.pk).update(due_at=timezone.now())
    assert message_deliver(message_id=sms.pk) == Message.Status.SENT


def test_sms_to_a_number_without_account(fake_twilio):
    from notifications.services import message_enqueue

    message = message_enqueue(
        template_key="marketing_newsletter",
        channel="sms",
        idempotency_key="sms:bare",
        to_address="+4798765432",
        context={"headline": "Hei"},
    )
    assert message_deliver(message_id=message.pk) == Message.Status.SENT
    assert fake_twilio.sms_sent()[0].data["To"] == "+4798765432"


def test_a_row_whose_workers_keep_dying_ends_failed(customer):
    from notifications.services.delivery import MAX_ATTEMPTS

    message = Message.objects.create(
        channel="email",
        template_key="booking_confirmation",
        recipient=customer,
        idempotency_key="poison",
        status=Message.Status.SENDING,
        attempts=MAX_ATTEMPTS,
        claimed_until=timezone.now() - timedelta(seconds=1),
    )
    assert message_deliver(message_id=message.pk) == "not_claimed"
    message.refresh_from_db()
    assert (message.status, message.status_reason) == (Message.Status.FAILED, "max_attempts")


def test_an_unpaid_hold_running_out_sends_nothing(sms_customer, service, fake_twilio):
    from bookings.services import booking_expire_holds

    service.payment_mode = "full"
    service.price_ore = 50_000
    service.save()
    booking = _book(sms_customer, service)
    assert booking.status == "pending_payment"
    assert not Message.objects.filter(booking=booking).exists()
    booking_expire_holds(now=timezone.now() + timedelta(days=1))
    assert not Message.objects.filter(booking=booking).exists()
