"""Erasure through the request desk, propagation to processors (real SDKs, local fakes)."""

import json

import pytest

from notifications.models import Message
from privacy.erasure import erasures_replay, journal_entries, subject_erase
from privacy.models import AuditEntry, PrivacyRequest, ProcessorErasure
from privacy.propagation import ProcessorUnavailable, processor_erasure_execute
from privacy.registry import Subject
from privacy.request_desk import request_approve, request_submit

from ..desk_support import EMAIL, rich_customer

pytestmark = pytest.mark.django_db


def test_approved_erasure_runs_every_category_and_every_processor(
    processors_fake, eager_tasks, private_media, django_capture_on_commit_callbacks
):
    rich = rich_customer()
    processors_fake.brevo_contacts.add(EMAIL)
    processors_fake.stripe_customers["cus_QLB1"] = EMAIL
    processors_fake.twilio_messages.add("SMqlb000000000000000000000000001")
    request = request_submit(type="erasure", channel="api", user=rich.user)
    with django_capture_on_commit_callbacks(execute=True):
        request_approve(request=request, by=None)
    request.refresh_from_db()
    assert request.status == "completed" and request.subject_id is None
    kept = request.outcome["kept"]
    assert any("Bokføringsloven" in k["reason"] for k in kept)
    statuses = dict(ProcessorErasure.objects.values_list("processor", "status"))
    assert statuses["brevo"] == statuses["stripe"] == statuses["twilio"] == "done"
    assert not processors_fake.brevo_contacts and not processors_fake.stripe_customers
    assert not processors_fake.twilio_messages
    assert all(
        t == {} for t in ProcessorErasure.objects.values_list("target", flat=True) if t is not None
    )
    # The confirmation went out (fake Brevo), and the outbox row forgot the address after.
    sent = [m for m in processors_fake.emails_sent if m["to"] == [EMAIL]]
    assert len(sent) == 1 and "Bokføringsloven" in sent[0]["text"]
    confirmation = Message.objects.get(template_key="privacy_erasure_done")
    assert confirmation.status == "sent"
    assert (confirmation.to_address, confirmation.body_text) == ("", "")
    assert AuditEntry.objects.filter(action="erasure.completed").exists()
    assert journal_entries(since=request.received_at.date())[0]["public_id"] == str(
        rich.user.public_id
    )


def test_confirmation_sent_later_by_the_relay_is_scrubbed_by_the_hourly_job(
    processors_fake, private_media
):
    """The provider was down when the erasure tried to send: the relay retries it later, and
    the hourly safety net blanks the address once it has gone out."""
    from notifications.services import message_deliver
    from privacy.desk_tasks import privacy_propagation_resume

    rich = rich_customer(with_payments=False)
    processors_fake.fail_next = [503]  # the first send to fake Brevo
    subject_erase(subject=Subject.for_user(rich.user))
    confirmation = Message.objects.get(template_key="privacy_erasure_done")
    assert confirmation.status == "queued" and confirmation.to_address == EMAIL
    Message.objects.filter(pk=confirmation.pk).update(due_at=confirmation.created_at)
    assert message_deliver(message_id=confirmation.pk) == "sent"
    privacy_propagation_resume()
    confirmation.refresh_from_db()
    assert (confirmation.to_address, confirmation.body_text) == ("", "")
    assert [m["to"] for m in processors_fake.emails_sent] == [[EMAIL]]


def test_transient_processor_failure_is_retried(processors_fake, private_media):
    rich = rich_customer(with_payments=False)
    processors_fake.stripe_customers["cus_QLB2"] = EMAIL
    subject_erase(subject=Subject.for_user(rich.user), notify=False)
    propagation = ProcessorErasure.objects.get(processor="stripe")
    processors_fake.fail_next = [503]
    with pytest.raises(ProcessorUnavailable):
        processor_erasure_execute(propagation_id=propagation.pk)
    propagation.refresh_from_db()
    assert propagation.status == "pending" and propagation.attempts == 1
    assert processor_erasure_execute(propagation_id=propagation.pk) == "done"
    assert processor_erasure_execute(propagation_id=propagation.pk) == "skipped"  # idempotent
    assert not processors_fake.stripe_customers


def test_console_mode_without_credentials(settings, private_media):
    settings.BREVO_API_KEY = settings.STRIPE_SECRET_KEY = settings.TWILIO_ACCOUNT_SID = ""
    rich = rich_customer(with_payments=False)
    subject_erase(subject=Subject.for_user(rich.user), notify=False)
    for propagation in ProcessorErasure.objects.exclude(processor="google_calendar"):
        assert processor_erasure_execute(propagation_id=propagation.pk) == "console"


def test_guest_erasure_by_email(eager_tasks, private_media, django_capture_on_commit_callbacks):
    from privacy.models import ContactMessage

    ContactMessage.objects.create(
        name="Gjest", email="gjest@example.org", subject="s", message="QLBGUEST"
    )
    request = request_submit(type="erasure", channel="public_form", email="gjest@example.org")
    PrivacyRequest.objects.filter(pk=request.pk).update(status="received")
    with django_capture_on_commit_callbacks(execute=True):
        request_approve(request=request, by=None)
    request.refresh_from_db()
    assert request.status == "completed" and request.contact_email == ""
    assert not ContactMessage.objects.exists()


def test_replay_after_restore(private_media):
    rich = rich_customer(with_payments=False)
    public_id = rich.user.public_id
    subject_erase(subject=Subject.for_user(rich.user), notify=False)
    # "Restore from backup": the person is back in the database.
    from accounts.tests.factories import UserFactory

    restored = UserFactory(email="restored@example.net")
    type(restored).objects.filter(pk=restored.pk).update(public_id=public_id)
    from datetime import date

    assert erasures_replay(since=date(2000, 1, 1)) == [str(public_id)]
    assert not type(restored).objects.filter(public_id=public_id).exists()
    assert json.dumps(journal_entries(since=date(2000, 1, 1)))


def test_stuck_approved_request_is_resumed(eager_tasks, private_media):
    from datetime import timedelta

    from django.utils import timezone

    from privacy.desk_tasks import privacy_propagation_resume

    rich = rich_customer(with_payments=False)
    request = PrivacyRequest.objects.create(
        type="erasure",
        channel="api",
        status="approved",
        subject=rich.user,
        subject_public_id=rich.user.public_id,
        decided_at=timezone.now() - timedelta(hours=2),
    )
    assert privacy_propagation_resume() >= 1
    request.refresh_from_db()
    assert request.status == "completed"
    assert not type(rich.user).objects.filter(pk=rich.user.pk).exists()


def test_dpo_retry_runs_failed_propagations_again_and_leaves_done_ones(
    settings, eager_tasks, django_capture_on_commit_callbacks
):
    import uuid

    from accounts.tests.factories import UserFactory
    from privacy.propagation import processor_erasures_retry

    settings.STRIPE_SECRET_KEY = settings.BREVO_API_KEY = ""  # console mode: recorded only
    subject = uuid.uuid4()
    failed = ProcessorErasure.objects.create(
        subject_public_id=subject, processor="stripe", status="failed", last_error="503"
    )
    done = ProcessorErasure.objects.create(
        subject_public_id=subject, processor="brevo", status="done"
    )
    dpo = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        ids = processor_erasures_retry(propagation_ids=[failed.pk, done.pk], actor=dpo)
    assert ids == [failed.pk]
    failed.refresh_from_db()
    done.refresh_from_db()
    assert (failed.status, failed.last_error, done.status) == ("console", "", "done")
    entry = AuditEntry.objects.get(action="erasure.processor_retry")
    assert entry.details == {"ids": [failed.pk]}
    assert entry.actor_public_id == dpo.public_id


def test_guest_erasure_is_journaled_without_the_address_and_replayed_after_restore(
    eager_tasks, private_media, django_capture_on_commit_callbacks
):
    """A guest erased, then a backup from before the erasure restored: the replay command
    finds the guest's rows again through the journal's keyed hash and erases them again."""
    import io
    from datetime import date

    from django.core.management import call_command

    from privacy.erasure import journal_path
    from privacy.models import ContactMessage
    from privacy.services import contact_message_submit

    guest = "Gjest.Restore@example.org"

    def guest_rows() -> dict:
        return {
            "contact": ContactMessage.objects.filter(email__iexact=guest).count(),
            "requests": PrivacyRequest.objects.filter(contact_email__iexact=guest).count(),
            "outbox": Message.objects.filter(to_address__iexact=guest).count()
            + Message.objects.filter(body_text__icontains=guest).count(),
        }

    contact_message_submit(name="Gjest Restore", email=guest, subject="s", message="QLBRESTORE")
    request = request_submit(type="erasure", channel="public_form", email=guest)
    PrivacyRequest.objects.filter(pk=request.pk).update(status="received")
    with django_capture_on_commit_callbacks(execute=True):
        request_approve(request=request, by=None)
    assert guest_rows() == {"contact": 0, "requests": 0, "outbox": 0}
    with open(journal_path(), encoding="utf-8") as file:
        journal = file.read()
    assert guest.lower() not in journal.lower() and "restore" not in journal.lower()
    assert journal_entries(since=date(2000, 1, 1))

    # "Restore from backup": the guest's rows as they were before the erasure.
    contact_message_submit(name="Gjest Restore", email=guest, subject="s", message="QLBRESTORE")
    PrivacyRequest.objects.create(
        type="access", channel="public_form", status="completed", contact_email=guest.lower()
    )
    assert guest_rows() == {"contact": 1, "requests": 1, "outbox": 1}
    out = io.StringIO()
    call_command("privacy_replay_erasures", "--since", "2000-01-01", stdout=out)
    assert "Erased again: 1" in out.getvalue()
    assert guest_rows() == {"contact": 0, "requests": 0, "outbox": 0}
