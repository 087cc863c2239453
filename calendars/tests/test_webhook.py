"""POST /webhooks/google-calendar/ and the events.watch channel lifecycle."""

from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calendars.models import CalendarConnection
from calendars.services import (
    connection_renew_channel,
    connections_due_for_channel_renewal,
    connections_due_for_sync,
)

pytestmark = pytest.mark.django_db

URL = "/webhooks/google-calendar/"


@pytest.fixture
def watched(connection, fake_google, settings):
    settings.GOOGLE_CALENDAR_WEBHOOKS = True
    assert connection_renew_channel(connection_id=connection.pk) == "renewed"
    connection.refresh_from_db()
    watch = fake_google.calls("POST", "/events/watch")[0]["body"]
    return connection, watch


def notify(client, channel_id, token, state="exists", resource_id="fake-resource-id"):
    return client.post(
        URL,
        HTTP_X_GOOG_CHANNEL_ID=channel_id,
        HTTP_X_GOOG_CHANNEL_TOKEN=token,
        HTTP_X_GOOG_RESOURCE_ID=resource_id,
        HTTP_X_GOOG_RESOURCE_STATE=state,
        HTTP_X_GOOG_MESSAGE_NUMBER="2",
    )


def test_watch_request_and_stored_channel(watched, settings):
    connection, watch = watched
    assert watch["type"] == "web_hook"
    assert watch["address"] == settings.SITE_URL + URL
    assert watch["params"] == {"ttl": "604800"}
    assert len(watch["token"]) >= 32
    assert connection.channel_id == watch["id"]
    assert connection.channel_resource_id == "fake-resource-id"
    assert watch["token"] not in connection.channel_token_hash  # only a hash is stored
    assert connection.channel_expires_at.year == 2100


def test_right_token_queues_one_sync(client, watched, django_capture_on_commit_callbacks):
    connection, watch = watched
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = notify(client, watch["id"], watch["token"])
    assert response.status_code == 200
    assert len(callbacks) == 1  # sync_connection.delay after commit
    connection.refresh_from_db()
    assert connection.sync_requested_at is not None
    assert connection.pk in connections_due_for_sync()
    # A burst of notifications queues no second task.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert notify(client, watch["id"], watch["token"]).status_code == 200
    assert callbacks == []


def test_sync_state_message_is_acknowledged_without_sync(
    client, watched, django_capture_on_commit_callbacks
):
    _connection, watch = watched
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert notify(client, watch["id"], watch["token"], state="sync").status_code == 200
    assert callbacks == []


@pytest.mark.parametrize(
    "headers",
    [
        {"token": "wrong-token"},
        {"channel": "00000000-0000-0000-0000-000000000000"},
        {"token": ""},
        {"channel": ""},
        {"resource_id": "someone-elses-resource"},
        {"token": "x" * 5000},
    ],
)
def test_forged_or_unknown_channel_is_refused(
    client, watched, headers, django_capture_on_commit_callbacks
):
    _connection, watch = watched
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = notify(
            client,
            headers.get("channel", watch["id"]),
            headers.get("token", watch["token"]),
            resource_id=headers.get("resource_id", "fake-resource-id"),
        )
    assert response.status_code == 403
    assert response.json()["code"] == "invalid_channel"
    assert callbacks == []


def test_disconnected_connection_channel_is_refused(client, watched):
    connection, watch = watched
    CalendarConnection.objects.filter(pk=connection.pk).update(
        status=CalendarConnection.Status.DISCONNECTED
    )
    assert notify(client, watch["id"], watch["token"]).status_code == 403


def test_get_is_not_allowed(client):
    assert client.get(URL).status_code == 405


def test_webhook_answers_fast_with_few_queries(client, watched):
    _connection, watch = watched
    with CaptureQueriesContext(db_connection) as queries:
        assert notify(client, watch["id"], watch["token"]).status_code == 200
    assert len(queries) <= 5


def test_channel_renewed_before_expiry_and_old_one_stopped(watched, fake_google):
    connection, watch = watched
    assert connection_renew_channel(connection_id=connection.pk) == "fresh"
    CalendarConnection.objects.filter(pk=connection.pk).update(
        channel_expires_at=timezone.now() + timedelta(hours=3)
    )
    assert connection.pk in connections_due_for_channel_renewal()
    assert connection_renew_channel(connection_id=connection.pk) == "renewed"
    connection.refresh_from_db()
    assert connection.channel_id != watch["id"]
    stop = fake_google.calls("POST", "/channels/stop")
    assert stop[0]["body"] == {"id": watch["id"], "resourceId": "fake-resource-id"}


def test_no_channels_for_plain_http_sites(connection, fake_google, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.GOOGLE_CALENDAR_WEBHOOKS = None
    assert connection_renew_channel(connection_id=connection.pk) == "disabled"
    assert connections_due_for_channel_renewal() == []
    assert fake_google.requests == []
