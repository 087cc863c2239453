"""Ours → Google through the real google-api-python-client against a local fake server."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings import services as booking_services
from bookings.tests.factories import SupplierFactory
from calendars.models import CalendarConnection, EventMirror
from calendars.services import mirror_push, mirrors_relay
from notifications.models import Message

from .conftest import at, next_monday, staff_for

pytestmark = pytest.mark.django_db


def book(customer, service, start, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return booking_services.booking_create(customer=customer, service=service, start=start)


def test_confirmed_booking_inserts_minimised_event(
    connection, customer, service, fake_google, eager_tasks, django_capture_on_commit_callbacks
):
    customer_notes_marker = "allergisk mot parfyme"
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_services.booking_create(
            customer=customer,
            service=service,
            start=at(next_monday(), 10),
            notes=customer_notes_marker,
        )

    inserts = fake_google.calls("POST", "/events")
    assert len(inserts) == 1
    body = inserts[0]["body"]
    assert inserts[0]["query"]["sendUpdates"] == "none"
    assert body["summary"] == f"Dameklipp · {booking.reference}"
    assert booking.reference in body["description"]
    assert f"/admin/bookings/booking/{booking.pk}/change/" in body["description"]
    assert body["extendedProperties"]["private"]["bookingtjeneste_reference"] == booking.reference
    assert body["visibility"] == "private"
    assert body["start"]["timeZone"] == "Europe/Oslo"
    assert body["start"]["dateTime"] == booking.start.isoformat()
    assert "attendees" not in body
    sent = str(body)
    for personal in ("Kari", "Nordmann", "kari.nordmann@example.com", customer_notes_marker):
        assert personal not in sent
    assert inserts[0]["authorization"] == "Bearer ya29.initial-access"

    mirror = EventMirror.objects.get(booking=booking)
    assert mirror.state == EventMirror.State.SYNCED
    assert mirror.remote_state == EventMirror.RemoteState.EXISTS
    assert body["id"] == mirror.google_event_id
    assert mirror.google_event_id in fake_google.events


def test_reschedule_patches_and_cancel_deletes(
    connection, customer, service, fake_google, eager_tasks, django_capture_on_commit_callbacks
):
    booking = book(customer, service, at(next_monday(), 10), django_capture_on_commit_callbacks)
    mirror = EventMirror.objects.get(booking=booking)

    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_services.booking_reschedule(
            booking=booking, start=at(next_monday(), 13), by_user=customer
        )
    patches = fake_google.calls("PATCH", mirror.google_event_id)
    assert len(patches) == 1
    assert patches[0]["body"]["start"]["dateTime"] == at(next_monday(), 13).isoformat()
    assert fake_google.inserts == 1

    with django_capture_on_commit_callbacks(execute=True):
        booking_services.booking_cancel(booking=booking, by_user=customer, by_supplier=False)
    assert len(fake_google.calls("DELETE", mirror.google_event_id)) == 1
    assert mirror.google_event_id not in fake_google.events
    mirror.refresh_from_db()
    assert (mirror.desired, mirror.state) == (EventMirror.Desired.ABSENT, EventMirror.State.SYNCED)
    # A replay of the task is a no-op.
    assert mirror_push(mirror_id=mirror.pk) == "not_pending"
    assert len(fake_google.calls("DELETE")) == 1


def test_reschedule_to_other_resource_moves_event(
    supplier,
    connection,
    customer,
    service,
    fake_google,
    eager_tasks,
    django_capture_on_commit_callbacks,
):
    from bookings.tests.factories import ResourceFactory

    other = ResourceFactory(supplier=supplier, name="Ola")
    service.resources.add(other)
    other_connection = CalendarConnection(resource=other, mode=CalendarConnection.Mode.GOOGLE)
    other_connection.refresh_token = "1//other"
    other_connection.save()
    booking = book(customer, service, at(next_monday(), 10), django_capture_on_commit_callbacks)
    first = EventMirror.objects.get(booking=booking)

    with django_capture_on_commit_callbacks(execute=True):
        booking_services.booking_reschedule(
            booking=booking, start=at(next_monday(), 11), resource=other, by_user=customer
        )
    first.refresh_from_db()
    second = EventMirror.objects.get(booking=booking, connection=other_connection)
    assert first.desired == EventMirror.Desired.ABSENT and first.state == "synced"
    assert second.state == EventMirror.State.SYNCED
    assert list(fake_google.events) == [second.google_event_id]


def test_transient_errors_retry_with_backoff_and_insert_once(
    connection, customer, service, fake_google, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        booking = booking_services.booking_create(
            customer=customer, service=service, start=at(next_monday(), 10)
        )
    assert callbacks  # the push is queued only after commit
    mirror = EventMirror.objects.get(booking=booking)
    fake_google.fail_next("POST", "/events", 503)
    fake_google.fail_next("POST", "/events", 503)

    assert mirror_push(mirror_id=mirror.pk) == "retry"
    mirror.refresh_from_db()
    assert mirror.state == EventMirror.State.PENDING
    assert mirror.next_attempt_at > timezone.now() + timedelta(seconds=20)
    assert mirror_push(mirror_id=mirror.pk) == "not_due"  # backoff respected
    assert mirrors_relay() == []

    EventMirror.objects.filter(pk=mirror.pk).update(next_attempt_at=timezone.now())
    assert mirrors_relay() == [mirror.pk]
    assert mirror_push(mirror_id=mirror.pk) == "retry"
    EventMirror.objects.filter(pk=mirror.pk).update(next_attempt_at=timezone.now())
    assert mirror_push(mirror_id=mirror.pk) == "synced"

    assert len(fake_google.calls("POST", "/events")) == 3
    assert fake_google.inserts == 1
    assert len(fake_google.events) == 1
    mirror.refresh_from_db()
    assert (mirror.state, mirror.attempts) == (EventMirror.State.SYNCED, 3)


def test_insert_that_got_through_before_a_timeout_is_not_duplicated(
    connection, customer, service, fake_google, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        booking = booking_services.booking_create(
            customer=customer, service=service, start=at(next_monday(), 10)
        )
    mirror = EventMirror.objects.get(booking=booking)
    # Google created the event, but our first try never heard back.
    fake_google.events[mirror.google_event_id] = {"id": mirror.google_event_id}
    EventMirror.objects.filter(pk=mirror.pk).update(remote_state="maybe")

    assert mirror_push(mirror_id=mirror.pk) == "synced"
    assert fake_google.calls("POST", "/events")  # tried insert, got 409 duplicate …
    assert len(fake_google.calls("PATCH", mirror.google_event_id)) == 1  # … and patched
    assert len(fake_google.events) == 1


def test_retries_are_bounded(
    connection, customer, service, fake_google, settings, django_capture_on_commit_callbacks
):
    from calendars.services import push

    with django_capture_on_commit_callbacks(execute=False):
        booking = booking_services.booking_create(
            customer=customer, service=service, start=at(next_monday(), 10)
        )
    mirror = EventMirror.objects.get(booking=booking)
    for _attempt in range(push.MAX_ATTEMPTS):
        fake_google.fail_next("POST", "/events", 500)
    outcomes = []
    for _attempt in range(push.MAX_ATTEMPTS):
        EventMirror.objects.filter(pk=mirror.pk).update(next_attempt_at=timezone.now())
        outcomes.append(mirror_push(mirror_id=mirror.pk))
    assert outcomes[-1] == "failed" and set(outcomes[:-1]) == {"retry"}
    mirror.refresh_from_db()
    assert mirror.state == EventMirror.State.FAILED
    assert "http_500" in mirror.last_error
    assert mirrors_relay() == []


def test_revoked_grant_marks_connection_for_reauth_and_stops(
    connection, customer, service, fake_google, django_capture_on_commit_callbacks
):
    # The access token is expired, and Google refuses the refresh token (revoked by the user).
    connection.access_token_expires_at = timezone.now() - timedelta(minutes=5)
    connection.save()
    fake_google.refresh_error = "invalid_grant"
    with django_capture_on_commit_callbacks(execute=False):
        booking = booking_services.booking_create(
            customer=customer, service=service, start=at(next_monday(), 10)
        )
    mirror = EventMirror.objects.get(booking=booking)

    staff = staff_for(connection.resource.supplier)
    other_supplier_staff = staff_for(SupplierFactory())

    assert mirror_push(mirror_id=mirror.pk) == "needs_reauth"
    connection.refresh_from_db()
    assert connection.status == CalendarConnection.Status.NEEDS_REAUTH
    assert "invalid_grant" in connection.last_error
    # The supplier's staff are told once, with a link to reconnect; nobody else is.
    alerts = Message.objects.filter(template_key="calendar_reauth")
    assert [m.recipient for m in alerts] == [staff]
    assert f"/calendar/connect/{connection.resource_id}/" in alerts[0].body_text
    assert other_supplier_staff not in [m.recipient for m in alerts]
    assert fake_google.calls("POST", "/events") == []
    # Not retried while the grant is broken: neither the relay nor a replayed task sends.
    assert mirrors_relay() == []
    assert mirror_push(mirror_id=mirror.pk) == "connection_inactive"
    assert fake_google.refreshes == 1
    assert Message.objects.filter(template_key="calendar_reauth").count() == 1


def test_401_from_api_marks_connection_for_reauth(
    connection, customer, service, fake_google, django_capture_on_commit_callbacks
):
    fake_google.refresh_error = "invalid_grant"
    fake_google.fail_next("POST", "/events", 401)
    with django_capture_on_commit_callbacks(execute=False):
        booking = booking_services.booking_create(
            customer=customer, service=service, start=at(next_monday(), 10)
        )
    mirror = EventMirror.objects.get(booking=booking)
    assert mirror_push(mirror_id=mirror.pk) == "needs_reauth"
    connection.refresh_from_db()
    assert connection.status == CalendarConnection.Status.NEEDS_REAUTH


def test_expired_access_token_is_refreshed_and_stored_encrypted(
    connection, customer, service, fake_google, django_capture_on_commit_callbacks
):
    connection.access_token_expires_at = timezone.now() - timedelta(minutes=5)
    connection.save()
    with django_capture_on_commit_callbacks(execute=False):
        booking = booking_services.booking_create(
            customer=customer, service=service, start=at(next_monday(), 10)
        )
    mirror = EventMirror.objects.get(booking=booking)
    assert mirror_push(mirror_id=mirror.pk) == "synced"
    token_request = fake_google.calls("POST", "/token")[0]
    assert token_request["body"]["grant_type"] == "refresh_token"
    assert token_request["body"]["refresh_token"] == "1//refresh-token-secret"
    assert fake_google.calls("POST", "/events")[0]["authorization"] == "Bearer ya29.fresh-1"
    connection.refresh_from_db()
    assert connection.access_token == "ya29.fresh-1"
    assert "ya29.fresh-1" not in connection.access_token_encrypted


def test_pending_payment_booking_is_not_mirrored(
    connection, customer, service, fake_google, django_capture_on_commit_callbacks
):
    service.payment_mode = service.PaymentMode.FULL
    service.save()
    with django_capture_on_commit_callbacks(execute=True):
        booking_services.booking_create(
            customer=customer, service=service, start=at(next_monday(), 10)
        )
    assert EventMirror.objects.count() == 0


def test_row_stuck_in_sending_is_relayed_then_given_up(
    connection, customer, service, fake_google, django_capture_on_commit_callbacks
):
    from calendars.services import push

    with django_capture_on_commit_callbacks(execute=False):
        booking = booking_services.booking_create(
            customer=customer, service=service, start=at(next_monday(), 10)
        )
    mirror = EventMirror.objects.get(booking=booking)
    # A worker died mid-send: the row is left in `sending` with an expired lease.
    EventMirror.objects.filter(pk=mirror.pk).update(
        state=EventMirror.State.SENDING, lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert mirrors_relay() == [mirror.pk]
    assert mirror_push(mirror_id=mirror.pk) == "synced"
    assert fake_google.inserts == 1

    EventMirror.objects.filter(pk=mirror.pk).update(
        state=EventMirror.State.SENDING,
        lease_until=timezone.now() - timedelta(seconds=1),
        attempts=push.MAX_ATTEMPTS,
    )
    assert mirror_push(mirror_id=mirror.pk) == "failed"
    mirror.refresh_from_db()
    assert (mirror.state, mirror.last_error) == (EventMirror.State.FAILED, "stuck")


def test_live_lease_blocks_a_second_sender(
    connection, customer, service, fake_google, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        booking = booking_services.booking_create(
            customer=customer, service=service, start=at(next_monday(), 10)
        )
    mirror = EventMirror.objects.get(booking=booking)
    EventMirror.objects.filter(pk=mirror.pk).update(
        state=EventMirror.State.SENDING, lease_until=timezone.now() + timedelta(minutes=4)
    )
    assert mirror_push(mirror_id=mirror.pk) == "not_pending"
    assert mirrors_relay() == []
    assert fake_google.requests == []
