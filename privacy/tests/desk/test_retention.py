"""The retention sweep: each rule, dry runs, --as-of, logging and the admin preview."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.tests.factories import UserFactory
from notifications.models import Message
from privacy.models import (
    AuditEntry,
    ConsentEvent,
    ContactMessage,
    PrivacyRequest,
    RetentionRule,
    SubjectFlag,
    SweepRun,
)
from privacy.purposes import Purpose
from privacy.retention import RULES, retention_preview, retention_sweep
from privacy.services import consent_set

from ..desk_support import rich_customer

pytestmark = pytest.mark.django_db
NOW = timezone.now


def _message(**fields) -> Message:
    defaults = {
        "channel": "email",
        "template_key": "x",
        "to_address": "a@example.org",
        "body_text": "QLBBODY",
        "status": Message.Status.DELIVERED,
    }
    defaults.update(fields)
    defaults.setdefault("idempotency_key", f"k-{Message.objects.count()}-{defaults['status']}")
    return Message.objects.create(**defaults)


def test_rules_are_seeded_with_documented_defaults():
    periods = dict(RetentionRule.objects.values_list("key", "period_days"))
    assert periods["contact_messages"] == 90 and periods["outbox_bodies"] == 90
    assert periods["outbox_metadata"] == 365 and periods["dsar_exports"] == 7
    assert periods["anonymous_consents"] == 396 and periods["consents_of_erased"] == 1095
    assert periods["booking_notes"] == 730 and periods["inactive_accounts_warn"] == 1095
    assert periods["inactive_accounts_delete"] == 30 and periods["payment_holds_abandoned"] == 1
    assert set(periods) == {rule.key for rule in RULES}


def test_dry_run_changes_nothing_and_logs_counts():
    ContactMessage.objects.create(name="n", email="e@example.org", subject="s", message="m")
    out = io.StringIO()
    as_of = (timezone.localdate() + timedelta(days=91)).isoformat()
    call_command("privacy_sweep", "--dry-run", "--as-of", as_of, stdout=out)
    assert "contact_messages: would change 1" in out.getvalue()
    assert ContactMessage.objects.count() == 1
    run = SweepRun.objects.get()
    assert run.dry_run and run.counts["contact_messages"] == 1
    assert not AuditEntry.objects.filter(action="retention.swept").exists()


def test_contact_messages_go_after_90_days():
    ContactMessage.objects.create(name="n", email="e@example.org", subject="s", message="m")
    retention_sweep(as_of=NOW() + timedelta(days=89))
    assert ContactMessage.objects.count() == 1
    run = retention_sweep(as_of=NOW() + timedelta(days=91))
    assert ContactMessage.objects.count() == 0 and run.counts["contact_messages"] == 1
    assert AuditEntry.objects.filter(action="retention.swept").count() == 2


def test_outbox_bodies_after_90_days_metadata_after_a_year():
    sent = _message()
    queued = _message(status=Message.Status.QUEUED)
    retention_sweep(as_of=NOW() + timedelta(days=91))
    sent.refresh_from_db()
    assert sent.body_text == "" and sent.to_address == "" and sent.redacted_at
    assert Message.objects.get(pk=queued.pk).body_text == "QLBBODY"  # not sent yet: kept
    retention_sweep(as_of=NOW() + timedelta(days=366))
    assert not Message.objects.filter(pk=sent.pk).exists()


def test_anonymous_cookie_choices_after_13_months():
    import uuid

    consent_set(
        subject=uuid.uuid4(), purpose=Purpose.ANALYTICS_COOKIES, granted=True, source="banner"
    )
    retention_sweep(as_of=NOW() + timedelta(days=390))
    assert ConsentEvent.objects.count() == 1
    retention_sweep(as_of=NOW() + timedelta(days=397))
    assert ConsentEvent.objects.count() == 0


def test_consent_ledger_of_erased_subject_after_3_years(private_media):
    from privacy.erasure import request_erase

    rich = rich_customer(with_payments=False)
    request = PrivacyRequest.objects.create(
        type="erasure",
        channel="api",
        status="approved",
        subject=rich.user,
        subject_public_id=rich.user.public_id,
    )
    request_erase(request=request)
    assert ConsentEvent.objects.count() == 2
    retention_sweep(as_of=NOW() + timedelta(days=3 * 365 - 2))
    assert ConsentEvent.objects.count() == 2
    retention_sweep(as_of=NOW() + timedelta(days=3 * 365 + 2))
    assert ConsentEvent.objects.count() == 0


def test_consents_of_a_living_user_are_kept():
    user = UserFactory()
    consent_set(subject=user, purpose=Purpose.MARKETING_EMAIL, granted=True, source="web")
    retention_sweep(as_of=NOW() + timedelta(days=4000))
    assert ConsentEvent.objects.count() == 1


def test_booking_notes_after_two_years_and_bookings_of_deleted_at_once():
    rich = rich_customer(with_payments=False)
    past, future = rich.bookings
    retention_sweep(as_of=NOW() + timedelta(days=690))
    past.refresh_from_db()
    assert past.customer_notes  # not yet
    retention_sweep(as_of=NOW() + timedelta(days=762))
    past.refresh_from_db()
    assert past.customer_notes == ""
    # An account deleted outside the desk (e.g. by an administrator): anonymised next run.
    type(rich.user).objects.filter(pk=rich.user.pk).delete()
    retention_sweep()
    future.refresh_from_db()
    assert future.customer_notes == "" and future.customer_id is None


def test_accounting_records_anonymised_after_the_hold():
    from payments.models import Order

    rich = rich_customer()
    order = Order.objects.get()
    retention_sweep(as_of=NOW() + timedelta(days=365))
    assert Order.objects.get(pk=order.pk).customer_name  # still within the Accounting Act period
    after = timezone.make_aware(
        timezone.datetime.combine(
            order.retain_until + timedelta(days=1), timezone.datetime.min.time()
        )
    )
    retention_sweep(as_of=after)
    order.refresh_from_db()
    assert (order.customer_name, order.customer_email, order.customer_id) == ("", "", None)
    assert order.total_ore == 50_000
    assert rich.user.pk


def test_inactive_accounts_are_warned_then_deleted(private_media):
    user = UserFactory()
    type(user).objects.filter(pk=user.pk).update(last_login=NOW() - timedelta(days=10))
    as_of = NOW() + timedelta(days=3 * 365)
    run = retention_sweep(as_of=as_of)
    assert run.counts["inactive_accounts_warn"] == 1
    assert SubjectFlag.objects.get(user=user).inactivity_warned_at
    assert Message.objects.filter(template_key="privacy_inactivity_warning").count() == 1
    retention_sweep(as_of=as_of + timedelta(days=10))
    assert type(user).objects.filter(pk=user.pk).exists()
    retention_sweep(as_of=as_of + timedelta(days=31))
    assert not type(user).objects.filter(pk=user.pk).exists()


def test_a_login_after_the_warning_keeps_the_account(private_media):
    user = UserFactory()
    type(user).objects.filter(pk=user.pk).update(last_login=NOW() - timedelta(days=10))
    as_of = NOW() + timedelta(days=3 * 365)
    retention_sweep(as_of=as_of)
    type(user).objects.filter(pk=user.pk).update(last_login=as_of + timedelta(days=1))
    retention_sweep(as_of=as_of + timedelta(days=31))
    assert type(user).objects.filter(pk=user.pk).exists()


def test_expired_export_files_are_deleted(private_media):
    path = private_media / "privacy-exports" / "old.zip"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"zip")
    PrivacyRequest.objects.create(
        type="access",
        channel="api",
        status="completed",
        export_path="privacy-exports/old.zip",
        export_expires_at=NOW() + timedelta(days=7),
    )
    retention_sweep(as_of=NOW() + timedelta(days=6))
    assert path.exists()
    retention_sweep(as_of=NOW() + timedelta(days=8))
    assert not path.exists()
    assert PrivacyRequest.objects.get().export_path == ""


def test_disabled_rule_is_skipped_and_preview_records_nothing():
    ContactMessage.objects.create(name="n", email="e@example.org", subject="s", message="m")
    RetentionRule.objects.filter(key="contact_messages").update(enabled=False)
    assert "contact_messages" not in retention_preview(as_of=NOW() + timedelta(days=100))
    assert not SweepRun.objects.exists()
    retention_sweep(as_of=NOW() + timedelta(days=100))
    assert ContactMessage.objects.count() == 1


@pytest.mark.parametrize("as_of", ["31.12.2030", "2026-02-30", "0001-01-01", "9999-12-31"])
def test_bad_as_of(as_of):
    with pytest.raises(CommandError):
        call_command("privacy_sweep", "--dry-run", "--as-of", as_of)
    assert not SweepRun.objects.exists()


def test_admin_pages(dpo_client):
    admin_client = dpo_client
    assert admin_client.get("/admin/privacy/retentionrule/").status_code == 200
    page = admin_client.get("/admin/privacy/retentionrule/record-of-processing/")
    assert page.status_code == 200 and "bokføringsloven" in page.content.decode().lower()
    csv = admin_client.get("/admin/privacy/retentionrule/record-of-processing/?format=csv")
    assert csv.status_code == 200 and b"legal_basis" in csv.content
    request = PrivacyRequest.objects.create(
        type="erasure", channel="api", status="received", due_at=NOW() - timedelta(days=1)
    )
    listing = admin_client.get("/admin/privacy/privacyrequest/")
    assert "desk-overdue" in listing.content.decode()
    assert (
        admin_client.get(f"/admin/privacy/privacyrequest/{request.pk}/change/").status_code == 200
    )
    assert AuditEntry.objects.filter(action="admin.viewed").exists()
    reject = admin_client.post(
        f"/admin/privacy/privacyrequest/{request.pk}/reject/", {"reason": "Ikke grunnlag"}
    )
    assert reject.status_code == 302
    assert PrivacyRequest.objects.get(pk=request.pk).status == "rejected"
    assert admin_client.get("/admin/privacy/breach/add/").status_code == 200


def test_admin_view_of_a_customer_is_audited(dpo_client):
    customer = UserFactory()
    response = dpo_client.get(f"/admin/accounts/user/{customer.pk}/change/")
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="admin.viewed")
    assert entry.subject_public_id == customer.public_id
    assert entry.object_type == "accounts.User"


def test_unconfirmed_guest_requests_go_after_the_link_expires():
    from privacy.request_desk import request_submit

    request_submit(type="erasure", channel="public_form", email="never@example.org")
    retention_sweep(as_of=NOW() + timedelta(days=6))
    assert PrivacyRequest.objects.count() == 1
    retention_sweep(as_of=NOW() + timedelta(days=8))
    assert PrivacyRequest.objects.count() == 0


def test_dpo_marks_a_minor_in_the_admin(dpo_client, eager_tasks, private_media):
    minor = UserFactory(email="ung@example.org")
    page = dpo_client.get("/admin/privacy/privacyrequest/mark-minor/")
    assert page.status_code == 200
    refused = dpo_client.post(
        "/admin/privacy/privacyrequest/mark-minor/", {"email": "ung@example.org"}
    )
    assert refused.status_code == 200 and type(minor).objects.filter(pk=minor.pk).exists()
    response = dpo_client.post(
        "/admin/privacy/privacyrequest/mark-minor/", {"email": "ung@example.org", "confirm": "on"}
    )
    assert response.status_code == 302
    request = PrivacyRequest.objects.get(channel="minor")
    assert request.subject_public_id == minor.public_id
    assert AuditEntry.objects.filter(action="subject.marked_minor").exists()
