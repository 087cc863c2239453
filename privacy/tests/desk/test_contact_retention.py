"""Contact-form copies: one retention period, the DPO's rule `contact_messages`, for every job
that deletes them, and the outbox e-mail to us (same content) goes with the database copy."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from notifications.models import Message
from privacy.models import ContactMessage, RetentionRule
from privacy.retention import retention_rules_seed, retention_sweep
from privacy.services import contact_message_submit
from privacy.services.contact import contact_idempotency_key
from privacy.tasks import contact_messages_purge_task

pytestmark = pytest.mark.django_db


def _contact(days_old: int) -> ContactMessage:
    copy = contact_message_submit(
        name="Kari Kontakt", email="kari.kontakt@example.org", subject="QLBC-s", message="QLBC-m"
    )
    then = timezone.now() - timedelta(days=days_old)
    ContactMessage.objects.filter(pk=copy.pk).update(created_at=then)
    Message.objects.filter(idempotency_key=contact_idempotency_key(copy.pk)).update(
        created_at=then, status=Message.Status.DELIVERED
    )
    return copy


def _set_period(days: int) -> None:
    retention_rules_seed()
    RetentionRule.objects.filter(key="contact_messages").update(period_days=days)


def test_no_second_period_and_no_second_scheduled_job():
    assert not hasattr(settings, "CONTACT_MESSAGE_RETENTION_DAYS")
    tasks = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "privacy.tasks.contact_messages_purge_task" not in tasks
    assert "privacy.tasks.run_retention_sweep" in tasks


def test_a_longer_period_set_by_the_dpo_is_honoured_by_every_job():
    _set_period(120)
    copy = _contact(days_old=100)
    contact_messages_purge_task.apply().get()  # the old task name, still registered
    retention_sweep()
    assert ContactMessage.objects.filter(pk=copy.pk).exists()


def test_a_shorter_period_removes_the_copy_and_the_e_mail_text_to_us():
    _set_period(30)
    _contact(days_old=40)
    kept = _contact(days_old=10)
    run = retention_sweep()
    assert run.counts["contact_messages"] == 1
    assert list(ContactMessage.objects.values_list("pk", flat=True)) == [kept.pk]
    old_mail, new_mail = Message.objects.filter(template_key="contact_message").order_by(
        "created_at"
    )
    assert "QLBC-m" not in old_mail.body_text and old_mail.to_address == ""
    assert "QLBC-m" in new_mail.body_text


def test_a_paused_rule_pauses_the_old_task_too():
    _set_period(30)
    RetentionRule.objects.filter(key="contact_messages").update(enabled=False)
    copy = _contact(days_old=400)
    assert contact_messages_purge_task.apply().get() == 0
    assert ContactMessage.objects.filter(pk=copy.pk).exists()
