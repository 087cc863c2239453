"""Calendar sync writes. Split by direction: push.py (ours → Google), pull.py (Google → us),
connections.py (OAuth grant, push channels), privacy.py (export and scrub
for access and erasure requests)."""

from .connections import (
    connection_connect_console,
    connection_connect_google,
    connection_disconnect,
    connection_for_notification,
    connection_renew_channel,
    connection_request_sync,
    connections_due_for_channel_renewal,
    connections_due_for_sync,
)
from .privacy import calendar_data_export_for_user, calendar_events_scrub_for_user
from .pull import connection_sync
from .push import (
    event_body,
    mirror_push,
    mirror_retry,
    mirrors_relay,
    mirrors_remove_for_booking,
    mirrors_schedule_for_booking,
)

__all__ = [
    "calendar_data_export_for_user",
    "calendar_events_scrub_for_user",
    "connection_connect_console",
    "connection_connect_google",
    "connection_disconnect",
    "connection_for_notification",
    "connection_renew_channel",
    "connection_request_sync",
    "connection_sync",
    "connections_due_for_channel_renewal",
    "connections_due_for_sync",
    "event_body",
    "mirror_push",
    "mirror_retry",
    "mirrors_relay",
    "mirrors_remove_for_booking",
    "mirrors_schedule_for_booking",
]
