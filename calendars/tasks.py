"""Celery tasks: ids only, idempotent; the database rows decide what happens.

No Celery-level retries: a transient error leaves the row pending with a backed-off
`next_attempt_at` (pushes) or the connection due for its next sync (pulls), and the periodic
task picks it up — nothing depends on the broker keeping an ETA task.
"""

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="calendars.tasks.push_event_mirror", ignore_result=True)
def push_event_mirror(mirror_id: int) -> str:
    return services.mirror_push(mirror_id=mirror_id)


@shared_task(name="calendars.tasks.sync_connection", ignore_result=True)
def sync_connection(connection_id: int) -> str:
    return services.connection_sync(connection_id=connection_id)


@shared_task(name="calendars.tasks.renew_channel", ignore_result=True)
def renew_channel(connection_id: int) -> str:
    return services.connection_renew_channel(connection_id=connection_id)


@shared_task(name="calendars.tasks.calendar_periodic", ignore_result=True)
def calendar_periodic() -> dict:
    """Every minute (CELERY_BEAT_SCHEDULE): relay due/stuck pushes, pull calendars that are
    due (safety net under push notifications), renew expiring notification channels."""
    mirror_ids = services.mirrors_relay()
    for mirror_id in mirror_ids:
        push_event_mirror.delay(mirror_id)
    sync_ids = services.connections_due_for_sync()
    for connection_id in sync_ids:
        sync_connection.delay(connection_id)
    renew_ids = services.connections_due_for_channel_renewal()
    for connection_id in renew_ids:
        renew_channel.delay(connection_id)
    counts = {"pushes": len(mirror_ids), "syncs": len(sync_ids), "renewals": len(renew_ids)}
    if any(counts.values()):
        logger.info("calendar periodic run", extra=counts)
    return counts
