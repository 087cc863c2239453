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
from privacy.tests.desk_support import EMAIL, NAME, rich_customer

pytestmark = pytest.mark.django_db(transaction=False)

# Where a marker may remain after erasure, and why (the documented legal holds), column by
# column: anything else that still holds a value of the person is a defect.
LEGAL_HOLD_COLUMNS = {
    # Consent ledger: proof of consent (GDPR Art. 7(1)), 3 years, pseudonymous id only.
    ("privacy_consentevent", "user_agent"),
}


def full_dump() -> dict[tuple[str, str], str]:
    """Every value of every column of every table as text, keyed by (table, column).

    Iterates the tables the connection reports (SQLite and PostgreSQL alike), so a table no
    data category knows about is searched too.
    """
    dump: dict[tuple[str, str], list[str]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if value is not None:
                        text = value if isinstance(value, str) else repr(value)
                        dump.setdefault((table, column), []).append(text)
    return {key: "\n".join(values) for key, values in dump.items()}


def markers_found(dump: dict, markers: set[str]) -> dict:
    found = {}
    for key, text in dump.items():
        hits = {m for m in markers if m.lower() in text.lower()}
        if hits:
            found[key] = hits
    return found


def contact_form_markers(*, name: str, email: str, tag: str) -> set[str]:
    """Send the contact form through the real service: its database copy and the outbox e-mail
    to us (which carries the sender's name, address and text) both exist afterwards."""
    from privacy.services import contact_message_submit

    contact_message_submit(
        name=name, email=email, subject=f"{tag}-subject", message=f"{tag}-message text"
    )
    return {name, email, f"{tag}-subject", f"{tag}-message"}


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
    markers = rich.all_markers | contact_form_markers(name=NAME, email=EMAIL, tag="QLBFORM")
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
    assert set(left) <= LEGAL_HOLD_COLUMNS, left
    # The confirmation was handed to the provider, and the address went right after.
    from notifications.models import Message

    assert any(m["to"] == [EMAIL] and "Bokføringsloven" in m["text"] for m in fake.emails_sent)
    confirmation = Message.objects.get(template_key="privacy_erasure_done")
    assert confirmation.status == "sent" and confirmation.to_address == ""

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
    past_holds = timezone.localdate() + timedelta(days=7 * 366)
    call_command("privacy_sweep", "--as-of", past_holds.isoformat(), stdout=io.StringIO())
    assert markers_found(full_dump(), markers) == {}
    assert PrivacyRequest.objects.filter(pk=erasure.pk, status="completed").exists()


def test_guest_erasure_leaves_nothing(
    settings, fake, eager, tmp_path, django_capture_on_commit_callbacks
):
    """A guest (no account) who wrote through the contact form and asked for erasure by e-mail:
    afterwards no table holds their name, address or text, not even the outbox e-mail to us."""
    from notifications.models import Message
    from privacy.request_desk import request_verify, verify_url

    settings.PRIVATE_MEDIA_ROOT = tmp_path
    guest_email = "vexgjest.plumtorp@example.org"
    markers = contact_form_markers(name="Vexgjest Plumtorp", email=guest_email, tag="QLBGUEST")
    request = request_submit(type="erasure", channel="public_form", email=guest_email)
    request_verify(token=verify_url(request).rstrip("/").rsplit("/", 1)[1])
    assert set().union(*markers_found(full_dump(), markers).values()) == markers
    with django_capture_on_commit_callbacks(execute=True):
        request_approve(request=request, by=None)
    request.refresh_from_db()
    assert request.status == "completed"
    assert markers_found(full_dump(), markers) == {}
    assert [guest_email] in [m["to"] for m in fake.emails_sent if "QLB" not in m["text"]]
    assert Message.objects.get(template_key="privacy_erasure_done").to_address == ""
