"""Proof that export and erasure agree, across every table of the database.

A customer with a distinctive value in every personal field of every category: the export
contains every one of them; after erasure a full dump of every table contains none of them
outside legal-hold rows; after the retention sweep past the hold, none at all; and every
processor got its erasure call (local fake servers, real SDKs).
"""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from bookingtjeneste.celery import app as celery_app
from privacy.models import PrivacyRequest, ProcessorErasure
from privacy.request_desk import request_approve, request_submit
from privacy.tests.desk.fakes import ProcessorsFake
from privacy.tests.desk_support import EMAIL, rich_customer

pytestmark = pytest.mark.django_db(transaction=False)

# Where a marker may remain after erasure, and why (the legal holds):
LEGAL_HOLD_TABLES = {
    # Consent ledger: proof of consent (GDPR Art. 7(1)), 3 years, pseudonymous id only.
    "privacy_consentevent",
    # The confirmation e-mail to the person, until it is sent (then blanked by the sweep).
    "notifications_message",
}


def full_dump() -> dict[str, str]:
    """Every row of every table as text (works on SQLite and PostgreSQL)."""
    dump = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            dump[table] = "\n".join(repr(row) for row in cursor.fetchall())
    return dump


def markers_found(dump: dict[str, str], markers: set[str]) -> dict[str, set[str]]:
    found = {}
    for table, text in dump.items():
        hits = {m for m in markers if m in text}
        if hits:
            found[table] = hits
    return found


@pytest.fixture
def fake(settings):
    server = ProcessorsFake()
    settings.BREVO_API_KEY = "xkeysib-test"
    settings.BREVO_API_URL = server.url + "/v3"
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_API_URL = server.url
    settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
    settings.TWILIO_AUTH_TOKEN = "test-auth-token-0123456789abcdef"
    settings.TWILIO_API_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def eager():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def test_export_erasure_and_sweep_leave_nothing(
    client, fake, eager, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    rich = rich_customer()
    markers = rich.all_markers
    fake.brevo_contacts.add(EMAIL)
    fake.stripe_customers["cus_PROOF"] = EMAIL
    fake.twilio_messages.add("SMqlb000000000000000000000000001")
    client.force_login(rich.user)
    assert not markers_found({"-": ""}, markers)
    before = markers_found(full_dump(), markers)
    assert set().union(*before.values()) == markers  # the data really is in the database

    # 1. The export holds every marker.
    with django_capture_on_commit_callbacks(execute=True):
        access = request_submit(type="access", channel="centre", user=rich.user)
    access.refresh_from_db()
    assert access.status == "completed"
    with zipfile.ZipFile(tmp_path / access.export_path) as archive:
        exported = "".join(archive.read(n).decode() for n in archive.namelist())
    exported += json.dumps(exported)  # JSON escapes (ø) both ways
    missing = {m for m in markers if m not in exported}
    assert not missing, f"export lacks {missing}"

    # 2. Erasure: nothing outside legal-hold rows.
    erasure = request_submit(type="erasure", channel="centre", user=rich.user)
    with django_capture_on_commit_callbacks(execute=True):
        request_approve(request=erasure, by=None)
    erasure.refresh_from_db()
    assert erasure.status == "completed"
    left = markers_found(full_dump(), markers)
    assert set(left) <= LEGAL_HOLD_TABLES, left
    if "notifications_message" in left:
        from notifications.models import Message

        held = Message.objects.filter(to_address=EMAIL)
        assert set(held.values_list("template_key", flat=True)) == {"privacy_erasure_done"}

    # Every processor got its call.
    assert dict(ProcessorErasure.objects.values_list("processor", "status")) == {
        "brevo": "done",
        "stripe": "done",
        "twilio": "done",
        "google_calendar": "done",
    }
    assert not fake.brevo_contacts and not fake.stripe_customers and not fake.twilio_messages
    methods = {(r.method, r.path.split("?")[0].rsplit("/", 1)[0]) for r in fake.requests}
    assert ("DELETE", "/v3/contacts") in methods and ("DELETE", "/v1/customers") in methods

    # 3. The sweep past every hold: nothing at all.
    from notifications.models import Message

    Message.objects.filter(template_key="privacy_erasure_done").update(status="sent")
    past_holds = timezone.localdate() + timedelta(days=7 * 366)
    call_command("privacy_sweep", "--as-of", past_holds.isoformat(), stdout=io.StringIO())
    assert markers_found(full_dump(), markers) == {}
    assert PrivacyRequest.objects.filter(pk=erasure.pk, status="completed").exists()
