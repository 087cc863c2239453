"""The request desk: deadlines, intake (API, page, guest form), decisions, the command."""

import io
import zipfile
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import signing
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from accounts import roles
from accounts.tests.factories import UserFactory
from notifications.models import Message
from privacy.models import AuditEntry, PrivacyRequest
from privacy.purposes import Purpose
from privacy.request_desk import (
    RequestError,
    add_months,
    request_approve,
    request_due_at,
    request_extend,
    request_reject,
    request_submit,
    subject_mark_minor,
    subject_restrict,
)
from privacy.selectors import has_consent
from privacy.services import consent_set

from ..desk_support import rich_customer

OSLO = ZoneInfo("Europe/Oslo")
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("received", "due"),
    [
        ((2025, 1, 31, 14), (2025, 2, 28)),  # 31 January → 28 February
        ((2024, 1, 31, 14), (2024, 2, 29)),  # leap year → 29 February
        ((2025, 3, 31, 9), (2025, 4, 30)),
        ((2025, 12, 15, 23), (2026, 1, 15)),  # over the year end
        ((2025, 2, 28, 10), (2025, 3, 28)),
    ],
)
def test_due_date_is_one_calendar_month(received, due):
    y, m, d, h = received
    result = timezone.localtime(request_due_at(datetime(y, m, d, h, tzinfo=OSLO)), OSLO)
    assert (result.year, result.month, result.day) == due
    assert result.hour == h


def test_extension_is_two_more_months_from_receipt():
    received = datetime(2025, 1, 31, 12, tzinfo=OSLO)
    extended = timezone.localtime(add_months(received, 3), OSLO)
    assert (extended.month, extended.day) == (4, 30)


def test_api_create_and_detail(
    client, eager_tasks, private_media, django_capture_on_commit_callbacks
):
    rich = rich_customer()
    client.force_login(rich.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/privacy/requests/", {"type": "access"}, content_type="application/json"
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= {"id", "type", "status", "received_at", "due_at"}
    # A verified account's own export needs no DPO: it is built at once.
    detail = client.get(f"/api/v1/privacy/requests/{body['id']}/").json()
    assert detail["status"] == "completed"
    assert detail["download_url"].startswith("http://testserver/privacy/export/")
    download = client.get(detail["download_url"].removeprefix("http://testserver"))
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = set(archive.namelist())
    assert {"index.html", "account.json", "bookings.json", "consents.json"} <= names
    summary = archive.read("index.html").decode()
    assert "QLBNOTE-past" in summary
    from privacy.models import Processor

    assert all(name in summary for name in Processor.objects.values_list("name", flat=True))
    assert "segment" in archive.read("categorisation.json").decode()
    # The link is only for the account itself.
    client.logout()
    client.force_login(UserFactory())
    assert client.get(detail["download_url"].removeprefix("http://testserver")).status_code == 404
    assert AuditEntry.objects.filter(action="export.generated").exists()


def test_api_errors_are_json_4xx(client):
    user = UserFactory()
    assert client.post(
        "/api/v1/privacy/requests/", {"type": "access"}, content_type="application/json"
    ).status_code in (401, 403)
    client.force_login(user)
    bad = client.post(
        "/api/v1/privacy/requests/", {"type": "nonsense"}, content_type="application/json"
    )
    assert bad.status_code == 400 and {"code", "detail"} <= set(bad.json())
    junk = client.post("/api/v1/privacy/requests/", "not json", content_type="application/json")
    assert junk.status_code == 400
    first = client.post(
        "/api/v1/privacy/requests/", {"type": "erasure"}, content_type="application/json"
    )
    assert first.status_code == 201
    again = client.post(
        "/api/v1/privacy/requests/", {"type": "erasure"}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "duplicate_request"
    other = PrivacyRequest.objects.create(type="access", channel="api", subject=UserFactory())
    assert client.get(f"/api/v1/privacy/requests/{other.pk}/").status_code == 404
    assert PrivacyRequest.objects.filter(subject=user).count() == 1


def test_guest_request_counts_only_after_the_email_is_confirmed(client):
    response = client.post(
        "/privacy/requests/", {"type": "erasure", "email": "gjest@example.org", "details": ""}
    )
    assert response.status_code == 302
    request = PrivacyRequest.objects.get()
    assert request.status == "unverified" and request.received_at is None
    message = Message.objects.get(template_key="privacy_request_confirm")
    assert message.to_address == "gjest@example.org"
    link = next(w for w in message.body_text.split() if "/privacy/requests/confirm/" in w)
    assert client.get(link.removeprefix("http://testserver")).status_code == 200
    request.refresh_from_db()
    assert request.status == "received" and request.due_at == request_due_at(request.received_at)
    assert client.get("/privacy/requests/confirm/forged/").status_code == 400


def test_expired_confirmation_link(client, monkeypatch):
    request = request_submit(type="access", channel="public_form", email="a@example.org")
    token = signing.dumps(str(request.public_id), salt="privacy.request.verify")
    monkeypatch.setattr("privacy.request_desk.VERIFY_MAX_AGE", timedelta(seconds=-1))
    response = client.get(f"/privacy/requests/confirm/{token}/")
    assert response.status_code == 400


def test_logged_in_page_lists_own_requests(client):
    user = UserFactory()
    client.force_login(user)
    assert client.post("/privacy/requests/", {"type": "restriction"}).status_code == 302
    page = client.get("/privacy/requests/")
    assert page.status_code == 200 and 'data-testid="request-' in page.content.decode()


def test_reject_needs_a_reason_and_tells_the_subject():
    dpo = UserFactory()
    request = request_submit(type="erasure", channel="api", user=UserFactory())
    with pytest.raises(RequestError):
        request_reject(request=request, by=dpo, reason=" ")
    request_reject(request=request, by=dpo, reason="Du har en pågående tvist.")
    request.refresh_from_db()
    assert request.status == "rejected"
    assert Message.objects.filter(template_key="privacy_request_rejected").exists()


def test_extension_once_with_reason_before_the_month_ends():
    request = request_submit(type="erasure", channel="api", user=UserFactory())
    first_due = request.due_at
    with pytest.raises(RequestError):
        request_extend(request=request, by=None, reason="")
    request_extend(request=request, by=None, reason="Mange forespørsler nå.")
    request.refresh_from_db()
    assert request.due_at == add_months(request.received_at, 3) and request.due_at > first_due
    assert Message.objects.filter(template_key="privacy_request_extended").exists()
    with pytest.raises(RequestError):
        request_extend(request=request, by=None, reason="igjen")


def test_command_list_approve_reject(eager_tasks, django_capture_on_commit_callbacks):
    user = UserFactory()
    restriction = request_submit(type="restriction", channel="api", user=user)
    objection = request_submit(type="objection", channel="api", user=UserFactory())
    out = io.StringIO()
    call_command("privacy_requests", "list", stdout=out)
    assert f"{restriction.pk:>5}  restriction" in out.getvalue()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("privacy_requests", "approve", str(restriction.pk), stdout=io.StringIO())
    restriction.refresh_from_db()
    assert restriction.status == "completed"
    call_command(
        "privacy_requests",
        "reject",
        str(objection.pk),
        "--reason",
        "Ikke grunnlag",
        stdout=io.StringIO(),
    )
    with pytest.raises(CommandError):
        call_command("privacy_requests", "reject", str(objection.pk), "--reason", "x")
    with pytest.raises(CommandError):
        call_command("privacy_requests", "approve", "999999")


def test_command_acts_only_for_a_dpo():
    erasure = request_submit(type="erasure", channel="api", user=UserFactory())
    customer = UserFactory()
    with pytest.raises(CommandError, match="not a DPO"):
        call_command("privacy_requests", "approve", str(erasure.pk), "--by", customer.email)
    erasure.refresh_from_db()
    assert erasure.status == "received"
    dpo = UserFactory(is_staff=True, role=roles.DPO)
    call_command(
        "privacy_requests",
        "reject",
        str(erasure.pk),
        "--by",
        dpo.email,
        "--reason",
        "Feil",
        stdout=io.StringIO(),
    )
    erasure.refresh_from_db()
    assert erasure.status == "rejected" and erasure.decided_by == dpo


def test_restriction_and_objection_turn_consent_off():
    user = UserFactory()
    consent_set(subject=user, purpose=Purpose.MARKETING_EMAIL, granted=True, source="web")
    assert has_consent(subject=user, purpose=Purpose.MARKETING_EMAIL)
    subject_restrict(user=user)
    assert not has_consent(subject=user, purpose=Purpose.MARKETING_EMAIL)
    subject_restrict(user=user, restricted=False)
    assert has_consent(subject=user, purpose=Purpose.MARKETING_EMAIL)


def test_minor_is_deactivated_at_once_and_erased(eager_tasks, django_capture_on_commit_callbacks):
    rich = rich_customer()
    with django_capture_on_commit_callbacks(execute=True):
        request = subject_mark_minor(user=rich.user, by=UserFactory(is_staff=True))
    request.refresh_from_db()
    assert request.status == "completed"
    assert not type(rich.user).objects.filter(pk=rich.user.pk).exists()


def test_dpo_digest_lists_due_soon_and_overdue():
    from privacy.request_desk import requests_digest_send

    soon = request_submit(type="erasure", channel="api", user=UserFactory())
    PrivacyRequest.objects.filter(pk=soon.pk).update(due_at=timezone.now() + timedelta(days=3))
    late = request_submit(type="access", channel="api", user=UserFactory())
    PrivacyRequest.objects.filter(pk=late.pk).update(
        status="received", due_at=timezone.now() - timedelta(days=1)
    )
    assert requests_digest_send() == 2
    digest = Message.objects.get(template_key="privacy_dpo_digest")
    with translation.override(settings.LANGUAGE_CODE):
        assert translation.gettext("OVERDUE") in digest.body_text
        assert translation.gettext("due soon") in digest.body_text
    assert requests_digest_send() == 2  # idempotent per day: still one message
    assert Message.objects.filter(template_key="privacy_dpo_digest").count() == 1


def test_approve_only_received():
    request = request_submit(type="access", channel="public_form", email="x@example.org")
    with pytest.raises(RequestError):
        request_approve(request=request, by=None)


def test_guest_access_waits_for_the_dpo_then_downloads_by_link(
    client, eager_tasks, private_media, django_capture_on_commit_callbacks
):
    from privacy.models import ContactMessage
    from privacy.request_desk import request_verify, verify_url

    ContactMessage.objects.create(
        name="Gjest Gjestesen", email="gjest@example.org", subject="Spørsmål", message="QLBGUESTMSG"
    )
    request = request_submit(type="access", channel="public_form", email="gjest@example.org")
    request_verify(token=verify_url(request).rsplit("/", 2)[-2])
    request.refresh_from_db()
    assert request.status == "received"  # not automatic: the DPO approves a guest's export
    with django_capture_on_commit_callbacks(execute=True):
        request_approve(request=request, by=UserFactory(is_staff=True))
    request.refresh_from_db()
    assert request.status == "completed"
    ready = Message.objects.get(template_key="privacy_export_ready")
    assert ready.to_address == "gjest@example.org"
    link = next(w for w in ready.body_text.split() if "/privacy/export/" in w)
    download = client.get(link.removeprefix("http://testserver"))
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert "QLBGUESTMSG" in archive.read("contact_messages.json").decode()
    assert client.get("/privacy/export/forged-token/").status_code == 404
