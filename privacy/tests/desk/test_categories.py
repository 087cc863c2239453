"""Each registered data category: its export has the subject's data, its erase removes it."""

import json

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import transaction

from privacy.models import AuditEntry, PrivacyRequest
from privacy.registry import Subject, registry

from ..desk_support import EMAIL, NAME, rich_customer

pytestmark = pytest.mark.django_db


def _text(value) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


def _erase(key: str, subject: Subject):
    with transaction.atomic():
        return registry.get(key).erase(subject)


def test_every_registered_category_has_a_test_here():
    tested = {
        name.removeprefix("test_category_")
        for name in globals()
        if name.startswith("test_category_")
    }
    assert set(registry.keys()) <= tested, set(registry.keys()) - tested


def _marker_roundtrip(key: str):
    rich = rich_customer()
    subject = Subject.for_user(rich.user)
    exported = _text(registry.get(key).export(subject))
    for marker in rich.markers[key]:
        assert marker in exported, (key, marker)
    outcome = _erase(key, subject)
    after = _text(
        registry.get(key).export(Subject.for_user(type(rich.user).objects.get(pk=rich.user.pk)))
    )
    return rich, outcome, after


def test_category_account(client):
    rich = rich_customer()
    subject = Subject.for_user(rich.user)
    exported = _text(registry.get("account").export(subject))
    assert NAME in exported and EMAIL in exported and "48159263" in exported
    assert "vipps-uid-QLB7781" in exported
    outcome = _erase("account", subject)
    assert outcome.deleted >= 1
    assert not type(rich.user).objects.filter(pk=rich.user.pk).exists()
    assert registry.get("account").export(Subject.for_email(EMAIL)) == {}


def test_category_admin_history():
    _rich, outcome, after = _marker_roundtrip("admin_history")
    assert outcome.deleted == 1 and "QLBADMIN" not in after


def test_category_sessions(client):
    rich = rich_customer()
    client.force_login(rich.user)
    subject = Subject.for_user(rich.user)
    assert registry.get("sessions").export(subject)["active_sessions"] == 1
    assert _erase("sessions", subject).deleted == 1
    assert registry.get("sessions").export(subject)["active_sessions"] == 0
    assert Session.objects.count() == 0


def test_category_bookings(django_capture_on_commit_callbacks):
    rich, outcome, after = _marker_roundtrip("bookings")
    assert "QLBNOTE" not in after
    future = rich.bookings[1]
    future.refresh_from_db()
    assert future.status == "cancelled"  # future bookings are cancelled, not left in the book
    assert outcome.anonymised == 2


def test_category_calendar_mirrors():
    from calendars.models import EventMirror

    rich = rich_customer()
    subject = Subject.for_user(rich.user)
    category = registry.get("calendar_mirrors")
    exported = category.export(subject)
    assert exported and exported[0]["booking_reference"] == rich.bookings[1].reference
    assert [c.processor for c in category.processor_calls(subject)] == ["google_calendar"]
    outcome = _erase("calendar_mirrors", subject)
    assert outcome.anonymised == 1
    mirror = EventMirror.objects.get()
    assert mirror.scrubbed and mirror.booking_reference == ""


def test_category_outbox_messages():
    rich = rich_customer()
    subject = Subject.for_user(rich.user)
    calls = registry.get("outbox_messages").processor_calls(subject)
    assert calls[0].target == {"message_sids": ["SMqlb000000000000000000000000001"]}
    exported = _text(registry.get("outbox_messages").export(subject))
    assert all(m in exported for m in rich.markers["outbox_messages"])
    assert _erase("outbox_messages", subject).deleted == 2
    assert registry.get("outbox_messages").export(subject) == []


def test_category_phone_verification():
    from notifications.services.phone import _state_key

    rich = rich_customer()
    subject = Subject.for_user(rich.user)
    cache.set(_state_key(rich.user, str(rich.user.phone)), {"started": 1, "checks": 0}, 600)
    exported = registry.get("phone_verification").export(subject)
    assert exported["verification_in_progress_for"] == [str(rich.user.phone)]
    _erase("phone_verification", subject)
    assert registry.get("phone_verification").export(subject)["verification_in_progress_for"] == []


def test_category_payments():
    from payments.models import Order, Payment

    rich = rich_customer()
    subject = Subject.for_user(rich.user)
    exported = _text(registry.get("payments").export(subject))
    assert NAME in exported and EMAIL in exported
    outcome = _erase("payments", subject)
    order = Order.objects.get()
    assert (order.customer_id, order.customer_name, order.customer_email) == (None, "", "")
    assert order.restricted and order.total_ore == 50_000  # the books stay intact
    assert "QLBPAYER" not in _text(Payment.objects.get().provider_data)
    assert outcome.kept and outcome.kept[0].until == order.retain_until


def test_category_consents():
    rich = rich_customer()
    subject = Subject.for_user(rich.user)
    exported = registry.get("consents").export(subject)
    assert [e["granted"] for e in exported] == [True, False]
    assert "Firefox 122 (Linux)" in _text(exported)
    outcome = _erase("consents", subject)
    # Kept as proof (Art. 7(1)) for 3 years; the sweep deletes it (test_retention.py).
    assert outcome.kept and "Art. 7(1)" in outcome.kept[0].reason


def test_category_contact_messages():
    _rich, outcome, after = _marker_roundtrip("contact_messages")
    assert outcome.deleted == 1 and after == "[]"


def test_category_contact_messages_of_a_guest():
    from privacy.models import ContactMessage

    ContactMessage.objects.create(
        name="Gjest", email="gjest@example.org", subject="s", message="QLBGUEST"
    )
    subject = Subject.for_email("Gjest@Example.org")
    assert "QLBGUEST" in _text(registry.get("contact_messages").export(subject))
    assert _erase("contact_messages", subject).deleted == 1


def test_category_privacy_requests():
    rich, _outcome, after = _marker_roundtrip("privacy_requests")
    assert "QLBREQ" not in after
    assert PrivacyRequest.objects.filter(subject_public_id=rich.user.public_id).exists()


def test_category_dsar_exports(private_media):
    rich = rich_customer()
    path = private_media / "privacy-exports" / "x.zip"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"zip")
    PrivacyRequest.objects.filter(subject=rich.user).update(
        export_path="privacy-exports/x.zip", export_expires_at="2099-01-01T00:00:00Z"
    )
    subject = Subject.for_user(rich.user)
    assert len(registry.get("dsar_exports").export(subject)) == 1
    assert _erase("dsar_exports", subject).deleted == 1
    assert not path.exists()
    assert registry.get("dsar_exports").export(subject) == []


def test_category_audit_references():
    from privacy.audit import audit_log

    rich = rich_customer()
    audit_log(action="export.generated", subject=rich.user, details={"n": 1})
    subject = Subject.for_user(rich.user)
    exported = registry.get("audit_references").export(subject)
    assert [e["action"] for e in exported] == ["export.generated"]
    outcome = _erase("audit_references", subject)
    assert outcome.kept and AuditEntry.objects.count() == 1
    assert NAME not in _text(list(AuditEntry.objects.values()))


def test_query_count_does_not_grow_with_rows(private_media):
    """Export and erasure issue a number of queries bounded by the categories, not the rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.models import Message
    from privacy.erasure import subject_erase
    from privacy.export import export_collect

    def counts(extra_rows: int) -> tuple[int, int]:
        rich = rich_customer(with_payments=False)
        Message.objects.bulk_create(
            Message(
                channel="email",
                template_key="x",
                recipient=rich.user,
                idempotency_key=f"{rich.user.pk}-{n}",
                status="delivered",
            )
            for n in range(extra_rows)
        )
        subject = Subject.for_user(rich.user)
        with CaptureQueriesContext(connection) as exported:
            export_collect(subject)
        with CaptureQueriesContext(connection) as erased:
            subject_erase(subject=subject, notify=False)
        type(rich.user).objects.all().delete()
        return len(exported), len(erased)

    small, large = counts(1), counts(200)
    assert small == large


def test_category_supplier_notices():
    from bookings.tests.factories import SupplierFactory
    from notifications.models import Message, SupplierNoticeSettings
    from notifications.services.supplier_notices import AGENDA_TEMPLATE

    from ..desk_support import PHONE

    rich = rich_customer()
    subject = Subject.for_user(rich.user)
    agenda = Message.objects.create(
        channel="email",
        template_key=AGENDA_TEMPLATE,
        to_address="post@salong.example.no",
        subject="Salong Proof, mandag: 2 bestillinger",
        body_text=f"09:00 Klipp · {NAME}, {PHONE}\n10:00 Klipp · Annen Kunde",
        status=Message.Status.SENT,
        idempotency_key="agenda-proof",
    )
    SupplierNoticeSettings.objects.create(
        supplier=SupplierFactory(), notice_emails=f"post@salong.example.no, {EMAIL}"
    )
    exported = registry.get("supplier_notices").export(subject)
    assert len(exported["daily_agendas_listing_you"]) == 1
    assert "Annen Kunde" not in _text(exported)  # the others on the agenda stay out
    assert exported["notice_addresses"][0]["notice_emails"] == [EMAIL]

    _erase("supplier_notices", subject)
    agenda.refresh_from_db()
    assert agenda.body_text == "" and agenda.redacted_at is not None
    assert SupplierNoticeSettings.objects.get().notice_emails == "post@salong.example.no"
    assert registry.get("supplier_notices").export(subject) == {
        "daily_agendas_listing_you": [],
        "notice_addresses": [],
    }
