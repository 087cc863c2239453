"""Google → us: events.list with sync tokens into BusyBlock(source="google")."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from bookings.models import BusyBlock
from calendars.models import CalendarConnection
from calendars.services import connection_sync, connections_due_for_sync

from .conftest import OSLO, next_monday

pytestmark = pytest.mark.django_db


def timed(event_id, start, end, **extra):
    return {
        "id": event_id,
        "status": "confirmed",
        "summary": "Tannlege – privat",
        "start": {"dateTime": start.isoformat()},
        "end": {"dateTime": end.isoformat()},
        **extra,
    }


def blocks(resource):
    return {
        b.external_id: (b.start, b.end)
        for b in BusyBlock.objects.filter(resource=resource, source=BusyBlock.Source.GOOGLE)
    }


def test_full_then_incremental_sync(connection, resource, fake_google):
    monday = next_monday()
    start = datetime.combine(monday, datetime.min.time(), tzinfo=OSLO) + timedelta(hours=9)
    ours = timed(
        "btours",
        start,
        start + timedelta(hours=1),
        extendedProperties={"private": {"bookingtjeneste_reference": "BK-ABCDEF"}},
    )
    fake_google.list_pages.extend(
        [
            (
                200,
                {
                    "items": [
                        timed("dentist", start, start + timedelta(hours=1)),
                        ours,
                        timed(
                            "lunch", start, start + timedelta(hours=2), transparency="transparent"
                        ),
                    ],
                    "nextPageToken": "page-2",
                },
            ),
            (
                200,
                {
                    "items": [
                        # All-day, three days (end date exclusive), in the supplier's zone.
                        {
                            "id": "holiday",
                            "status": "confirmed",
                            "start": {"date": (monday + timedelta(days=1)).isoformat()},
                            "end": {"date": (monday + timedelta(days=4)).isoformat()},
                        },
                        timed(
                            "declined",
                            start,
                            start + timedelta(hours=1),
                            attendees=[{"self": True, "responseStatus": "declined"}],
                        ),
                    ],
                    "nextSyncToken": "sync-1",
                },
            ),
        ]
    )
    assert connection_sync(connection_id=connection.pk) == "full"
    first, second = fake_google.calls("GET", "/events")
    assert "syncToken" not in first["query"] and "timeMin" in first["query"]
    assert first["query"]["singleEvents"] == "true"
    assert second["query"]["pageToken"] == "page-2"
    assert blocks(resource) == {
        "dentist": (start, start + timedelta(hours=1)),
        "holiday": (
            datetime.combine(monday + timedelta(days=1), datetime.min.time(), tzinfo=OSLO),
            datetime.combine(monday + timedelta(days=4), datetime.min.time(), tzinfo=OSLO),
        ),
    }
    assert BusyBlock.objects.get(external_id="dentist").note == ""  # no titles stored
    connection.refresh_from_db()
    assert connection.sync_token == "sync-1" and connection.last_synced_at

    moved = start + timedelta(hours=3)
    fake_google.list_pages.append(
        (
            200,
            {
                "items": [
                    timed("dentist", moved, moved + timedelta(minutes=30)),
                    {"id": "holiday", "status": "cancelled"},
                    timed("new", moved, moved + timedelta(hours=1)),
                    timed("lunch", start, start + timedelta(hours=1), transparency="transparent"),
                ],
                "nextSyncToken": "sync-2",
            },
        )
    )
    assert connection_sync(connection_id=connection.pk) == "incremental"
    incremental = fake_google.calls("GET", "/events")[-1]
    assert incremental["query"]["syncToken"] == "sync-1"
    assert "timeMin" not in incremental["query"]
    assert blocks(resource) == {
        "dentist": (moved, moved + timedelta(minutes=30)),
        "new": (moved, moved + timedelta(hours=1)),
    }
    connection.refresh_from_db()
    assert connection.sync_token == "sync-2"


def test_event_turning_free_removes_its_block(connection, resource, fake_google):
    start = timezone.now() + timedelta(days=2)
    fake_google.list_pages.append(
        (200, {"items": [timed("gym", start, start + timedelta(hours=1))], "nextSyncToken": "a"})
    )
    connection_sync(connection_id=connection.pk)
    assert set(blocks(resource)) == {"gym"}
    fake_google.list_pages.append(
        (
            200,
            {
                "items": [
                    timed("gym", start, start + timedelta(hours=1), transparency="transparent")
                ],
                "nextSyncToken": "b",
            },
        )
    )
    connection_sync(connection_id=connection.pk)
    assert blocks(resource) == {}


def test_gone_sync_token_triggers_full_resync(connection, resource, fake_google):
    start = timezone.now() + timedelta(days=3)
    connection.sync_token = "expired-token"
    connection.save()
    # A block whose event was deleted while our token was invalid: only a full sync finds out.
    BusyBlock.objects.create(
        resource=resource,
        source=BusyBlock.Source.GOOGLE,
        external_id="vanished",
        start=start,
        end=start + timedelta(hours=1),
    )
    manual = BusyBlock.objects.create(
        resource=resource, start=start, end=start + timedelta(hours=1)
    )
    fake_google.fail_next("GET", "/events", 410, {"error": {"code": 410, "message": "Gone"}})
    fake_google.list_pages.append(
        (
            200,
            {"items": [timed("kept", start, start + timedelta(hours=2))], "nextSyncToken": "fresh"},
        )
    )
    assert connection_sync(connection_id=connection.pk) == "full"
    gone, full = fake_google.calls("GET", "/events")
    assert gone["query"]["syncToken"] == "expired-token"
    assert "syncToken" not in full["query"]
    assert set(blocks(resource)) == {"kept"}
    assert BusyBlock.objects.filter(pk=manual.pk).exists()  # manual blocks untouched
    connection.refresh_from_db()
    assert connection.sync_token == "fresh"


def test_events_of_our_own_mirrors_are_skipped_by_id(connection, resource, fake_google):
    from calendars.models import EventMirror

    mirror = EventMirror.objects.create(connection=connection, booking_reference="BK-XYZ234")
    start = timezone.now() + timedelta(days=1)
    # Someone copied our event and dropped its private properties: the id still tells.
    fake_google.list_pages.append(
        (
            200,
            {
                "items": [timed(mirror.google_event_id, start, start + timedelta(hours=1))],
                "nextSyncToken": "s",
            },
        )
    )
    connection_sync(connection_id=connection.pk)
    assert blocks(resource) == {}


def test_transient_error_keeps_token_and_retries_later(connection, fake_google):
    connection.sync_token = "tok"
    connection.last_synced_at = timezone.now() - timedelta(hours=1)
    connection.save()
    fake_google.fail_next("GET", "/events", 503)
    assert connection_sync(connection_id=connection.pk) == "retry"
    connection.refresh_from_db()
    assert connection.sync_token == "tok"
    assert connection.sync_lease_until is None
    assert connection.pk in connections_due_for_sync()


def test_inactive_connection_is_not_synced(connection, fake_google):
    CalendarConnection.objects.filter(pk=connection.pk).update(
        status=CalendarConnection.Status.NEEDS_REAUTH
    )
    assert connection_sync(connection_id=connection.pk) == "inactive"
    assert fake_google.requests == []


def test_concurrent_sync_is_skipped(connection, fake_google):
    CalendarConnection.objects.filter(pk=connection.pk).update(
        sync_lease_until=datetime.now(UTC) + timedelta(minutes=5)
    )
    assert connection_sync(connection_id=connection.pk) == "busy"
    assert fake_google.requests == []


def test_revoked_grant_during_sync_needs_reauth(connection, fake_google):
    connection.access_token_expires_at = timezone.now() - timedelta(minutes=1)
    connection.save()
    fake_google.refresh_error = "invalid_grant"
    assert connection_sync(connection_id=connection.pk) == "needs_reauth"
    connection.refresh_from_db()
    assert connection.status == CalendarConnection.Status.NEEDS_REAUTH
    assert connection.sync_lease_until is None
    assert connection.pk not in connections_due_for_sync()


def test_pulled_busy_time_reaches_the_next_slots_read(
    connection, resource, service, fake_google, django_capture_on_commit_callbacks, settings
):
    # The pull writes busy blocks in bulk (no model signals): it marks cached slots stale itself.
    settings.SLOTS_CACHE_SECONDS = 30
    from rest_framework.test import APIClient

    monday = next_monday()
    url = f"/api/v1/services/{service.pk}/slots/?from={monday}&to={monday}"
    client = APIClient()
    before = client.get(url).json()["slots"]
    start = datetime.combine(monday, datetime.min.time(), tzinfo=OSLO) + timedelta(hours=9)
    dentist = timed("dentist", start, start + timedelta(hours=2))
    fake_google.list_pages.append((200, {"items": [dentist], "nextSyncToken": "sync-1"}))

    with django_capture_on_commit_callbacks(execute=True):
        connection_sync(connection_id=connection.pk)

    after = client.get(url).json()["slots"]
    assert len(after) == len(before) - 4
