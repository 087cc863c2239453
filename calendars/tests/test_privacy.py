"""Privacy hooks: export what went to Google, scrub a person's events; tokens at rest."""

from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Booking
from calendars.models import CalendarConnection, EventMirror
from calendars.services import (
    calendar_data_export_for_user,
    calendar_events_scrub_for_user,
    mirror_push,
    mirrors_relay,
)

from .conftest import at, next_monday

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_bookings(connection, customer, service, eager_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upcoming = booking_services.booking_create(
            customer=customer, service=service, start=at(next_monday(), 10)
        )
        past = booking_services.booking_create(
            customer=customer, service=service, start=at(next_monday(), 12)
        )
    # Move the second booking into the past, as if it had happened.
    then = timezone.now() - timedelta(days=3)
    Booking.objects.filter(pk=past.pk).update(
        start=then - timedelta(hours=1),
        end=then,
        blocked_start=then - timedelta(hours=1),
        blocked_end=then,
        status=Booking.Status.COMPLETED,
    )
    return upcoming, past


def test_export_lists_exactly_what_was_sent(two_bookings, customer, fake_google):
    upcoming, past = two_bookings
    rows = calendar_data_export_for_user(user=customer)
    assert {row["booking_reference"] for row in rows} == {upcoming.reference, past.reference}
    row = next(r for r in rows if r["booking_reference"] == upcoming.reference)
    sent = fake_google.events[row["google_event_id"]]
    assert row["content_sent"]["summary"] == sent["summary"]
    assert row["content_sent"]["description"] == sent["description"]
    assert row["calendar_of"] == "Ingrid"
    assert row["state"] == "synced"


def test_export_of_someone_else_is_empty(two_bookings):
    from accounts.tests.factories import UserFactory

    assert calendar_data_export_for_user(user=UserFactory()) == []


def test_scrub_deletes_upcoming_and_anonymises_past_events(
    two_bookings, customer, fake_google, eager_tasks, django_capture_on_commit_callbacks
):
    upcoming, past = two_bookings
    up_mirror = EventMirror.objects.get(booking=upcoming)
    past_mirror = EventMirror.objects.get(booking=past)
    fake_google.fail_next("DELETE", up_mirror.google_event_id, 503)  # retried like any push

    with django_capture_on_commit_callbacks(execute=True):
        assert calendar_events_scrub_for_user(user=customer) == 2

    assert past_mirror.google_event_id in fake_google.events
    anonymised = fake_google.events[past_mirror.google_event_id]
    assert past.reference not in str(anonymised)
    assert anonymised["summary"] == "Dameklipp"
    assert anonymised["description"] == ""
    up_mirror.refresh_from_db()
    assert up_mirror.state == EventMirror.State.PENDING  # the 503: tracked, retried later
    assert up_mirror.google_event_id in fake_google.events

    EventMirror.objects.filter(pk=up_mirror.pk).update(next_attempt_at=timezone.now())
    assert mirrors_relay() == [up_mirror.pk]
    assert mirror_push(mirror_id=up_mirror.pk) == "synced"
    assert up_mirror.google_event_id not in fake_google.events
    for mirror in EventMirror.objects.all():
        assert mirror.scrubbed and mirror.booking_reference == ""
        assert mirror.state == EventMirror.State.SYNCED
    # Idempotent: nothing left to scrub.
    assert calendar_events_scrub_for_user(user=customer) == 0


def test_scrubbed_booking_is_not_brought_back_by_a_later_change(
    two_bookings, customer, fake_google, eager_tasks, django_capture_on_commit_callbacks
):
    upcoming, _past = two_bookings
    with django_capture_on_commit_callbacks(execute=True):
        calendar_events_scrub_for_user(user=customer)
    inserts_before = fake_google.inserts
    with django_capture_on_commit_callbacks(execute=True):
        booking_services.booking_reschedule(
            booking=upcoming, start=at(next_monday(), 14), by_user=customer
        )
    assert fake_google.inserts == inserts_before
    assert not fake_google.calls("PATCH", EventMirror.objects.get(booking=upcoming).google_event_id)


def test_deleted_booking_still_removes_its_event(
    connection, customer, service, fake_google, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_services.booking_create(
            customer=customer, service=service, start=at(next_monday(), 10)
        )
    mirror = EventMirror.objects.get(booking=booking)
    with django_capture_on_commit_callbacks(execute=True):
        booking.delete()
    mirror.refresh_from_db()
    assert mirror.booking is None
    assert mirror.google_event_id not in fake_google.events
    assert mirror.state == EventMirror.State.SYNCED


def test_tokens_are_encrypted_at_rest(connection):
    with db_connection.cursor() as cursor:
        cursor.execute(
            "SELECT refresh_token_encrypted, access_token_encrypted FROM "
            "calendars_calendarconnection WHERE id = %s",
            [connection.pk],
        )
        refresh_raw, access_raw = cursor.fetchone()
    assert "1//refresh-token-secret" not in refresh_raw
    assert "ya29.initial-access" not in access_raw
    assert refresh_raw.startswith("gAAAA")  # a Fernet token
    fresh = CalendarConnection.objects.get(pk=connection.pk)
    assert fresh.refresh_token == "1//refresh-token-secret"


def test_configured_key_and_rotation(connection, settings):
    from cryptography.fernet import Fernet

    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.CALENDAR_TOKEN_KEY = old_key
    connection.refresh_token = "1//rotate-me"
    connection.save()
    settings.CALENDAR_TOKEN_KEY = f"{new_key},{old_key}"
    assert CalendarConnection.objects.get(pk=connection.pk).refresh_token == "1//rotate-me"
    settings.CALENDAR_TOKEN_KEY = new_key
    # Unreadable with a key that never encrypted it: treated as no grant, never a crash.
    assert CalendarConnection.objects.get(pk=connection.pk).refresh_token == ""
