"""Celery beat: the periodic jobs, their names and times, and that each names a real task.

Beat entries and already-queued messages address tasks by name, so a task that moves between
modules must keep its registered name; this catches one that did not.
"""

from datetime import timedelta

from celery.schedules import crontab
from django.conf import settings

from bookingtjeneste.celery import app

EXPECTED = {
    "bookings-expire-holds": ("bookings.tasks.expire_payment_holds", timedelta(minutes=1)),
    "notifications-relay": ("notifications.tasks.relay_outbox", timedelta(minutes=1)),
    "privacy-nightly-sweep": ("privacy.tasks.run_retention_sweep", crontab(hour=3, minute=15)),
    "payments-sweep-open-payments": ("payments.tasks.sweep_open_payments", timedelta(minutes=5)),
    "privacy-audit-checkpoint": ("privacy.tasks.audit_checkpoint_task", timedelta(hours=1)),
    "calendars-periodic": ("calendars.tasks.calendar_periodic", timedelta(minutes=1)),
    "privacy-dpo-digest": ("privacy.tasks.privacy_dpo_digest", crontab(hour=7, minute=0)),
    "privacy-propagation-resume": ("privacy.tasks.privacy_propagation_resume", timedelta(hours=1)),
    "privacy-policy-change-notify": (
        "privacy.tasks.policy_change_notify_pending",
        timedelta(minutes=10),
    ),
    "notifications-supplier-agendas": (
        "notifications.tasks.supplier_agendas_due",
        crontab(minute=5),
    ),
}


def test_beat_schedule_names_times_and_tasks():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert {name: (entry["task"], entry["schedule"]) for name, entry in schedule.items()} == (
        EXPECTED
    )


def test_every_beat_entry_names_a_registered_task():
    # What a worker does at start: import every installed app's tasks module.
    app.loader.import_default_modules()
    missing = [task for task, _schedule in EXPECTED.values() if task not in app.tasks]
    assert missing == []
