"""The calendar sync work services queue, after the current transaction commits.

Services call these instead of importing `calendars.tasks` (which imports the services). The
task names are what beat and already-queued messages carry, so they never change.
"""

from bookingtjeneste.task_publish import task_publish


def mirror_push(mirror_id: int) -> None:
    """Push one EventMirror row to its calendar."""
    task_publish("calendars.tasks.push_event_mirror", mirror_id)


def connection_sync(connection_id: int) -> None:
    """Pull one connected calendar's changes (busy times) from Google."""
    task_publish("calendars.tasks.sync_connection", connection_id)


def channel_renew(connection_id: int) -> None:
    """Open (or renew) the push-notification channel of one connection."""
    task_publish("calendars.tasks.renew_channel", connection_id)
