import csv
import io
import json
import uuid

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone

from accounts import roles
from accounts.tests.factories import StaffUserFactory, UserFactory
from notifications.models import Message
from privacy.models import ConsentSubjectLink, PolicyVersion, PurposeText
from privacy.selectors import has_consent
from privacy.services import consent_set, policy_change_notify_batch, policy_version_publish

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def dpo_client(client):
    dpo = StaffUserFactory(role=roles.DPO)
    TOTP.activate(dpo, generate_totp_secret())
    client.force_login(dpo)
    return client


def test_dpo_downloads_consent_proof_as_json_with_the_texts(dpo_client):
    user = UserFactory()
    anonymous = uuid.uuid4()
    consent_set(subject=anonymous, purpose="analytics_cookies", granted=True, source="banner")
    ConsentSubjectLink.objects.create(consent_id=anonymous, user_public_id=user.public_id)
    consent_set(subject=user, purpose="marketing_email", granted=True, source="web")
    consent_set(subject=user, purpose="marketing_email", granted=False, source="email_unsubscribe")

    response = dpo_client.post(
        "/admin/privacy/consentevent/proof/", {"subject": user.email, "format": "json"}
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    proof = json.loads(response.content)
    assert proof["subject"]["public_id"] == str(user.public_id)
    assert [(e["purpose"], e["decision"], e["source"]) for e in proof["events"]] == [
        ("analytics_cookies", "granted", "banner"),
        ("marketing_email", "granted", "web"),
        ("marketing_email", "withdrawn", "email_unsubscribe"),
    ]
    texts = {t["purpose"]: t for t in proof["purpose_texts"]}
    assert texts["marketing_email"]["text_nb"].startswith("Nyhetsbrev")
    assert proof["policy_versions"][0]["version"] == "2025-02-21"
    assert proof["policy_versions"][0]["text_nb"].startswith("Dokument")


def test_consent_proof_csv_and_anonymous_subject(dpo_client):
    anonymous = uuid.uuid4()
    consent_set(subject=anonymous, purpose="advertising_cookies", granted=False, source="banner")
    response = dpo_client.post(
        "/admin/privacy/consentevent/proof/", {"subject": str(anonymous), "format": "csv"}
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    assert rows[0]["decision"] == "withdrawn" and rows[0]["policy_version"] == "2025-02-21"
    assert rows[0]["purpose_text_en"].startswith("Google Ads")


def test_consent_proof_lookup_keeps_the_address_out_of_the_url(dpo_client):
    page = dpo_client.get("/admin/privacy/consentevent/proof/", {"subject": "kari@example.no"})
    assert page.status_code == 200 and "attachment" not in page.get("Content-Disposition", "")
    assert 'method="post"' in page.content.decode()


def test_consent_proof_unknown_subject_is_a_form_error(dpo_client):
    response = dpo_client.post("/admin/privacy/consentevent/proof/", {"subject": "nobody@x.no"})
    assert response.status_code == 200
    assert "Ingen slik bruker" in response.content.decode()


def test_ledger_is_read_only_in_admin(dpo_client):
    event = consent_set(subject=uuid.uuid4(), purpose="personalisation", granted=True, source="web")
    assert dpo_client.get(f"/admin/privacy/consentevent/{event.pk}/change/").status_code == 200
    assert dpo_client.post(f"/admin/privacy/consentevent/{event.pk}/delete/").status_code == 403
    assert dpo_client.get("/admin/privacy/consentevent/add/").status_code == 403


def test_customers_cannot_export_proof(client):
    client.force_login(UserFactory())
    response = client.post("/admin/privacy/consentevent/proof/", {"subject": "x"})
    assert response.status_code in (302, 403)


def _new_material_version() -> PolicyVersion:
    return PolicyVersion.objects.create(
        version="2026-06-01",
        effective_date=timezone.localdate(),
        body_nb="Ny tekst",
        body_en="New text",
        is_material_change=True,
    )


def test_material_change_notifies_every_active_user_once(django_capture_on_commit_callbacks):
    active = [UserFactory() for _ in range(5)]
    UserFactory(is_active=False)
    version = _new_material_version()
    with django_capture_on_commit_callbacks(execute=True):
        policy_version_publish(version=version)
    messages = Message.objects.filter(template_key="policy_changed")
    assert {m.recipient_id for m in messages} >= {u.pk for u in active}
    assert not messages.filter(recipient__is_active=False).exists()
    version.refresh_from_db()
    assert version.notification_completed_at is not None
    count = messages.count()
    policy_version_publish(version=version)  # publishing again changes nothing
    assert Message.objects.filter(template_key="policy_changed").count() == count


def test_notification_is_batched_and_resumable():
    users = [UserFactory() for _ in range(5)]
    version = _new_material_version()
    PolicyVersion.objects.filter(pk=version.pk).update(published_at=timezone.now())
    assert policy_change_notify_batch(version=version, batch_size=2) == 2
    version.refresh_from_db()
    assert version.notified_through_user_pk >= users[1].pk
    # A crash after the batch: the cursor was saved with the outbox rows; resuming continues.
    while policy_change_notify_batch(version=version, batch_size=2):
        pass
    recipients = list(
        Message.objects.filter(template_key="policy_changed").values_list("recipient", flat=True)
    )
    assert len(recipients) == len(set(recipients))
    assert set(recipients) >= {u.pk for u in users}


def test_minor_change_sends_nothing(django_capture_on_commit_callbacks):
    UserFactory()
    version = PolicyVersion.objects.create(
        version="2026-07-01", effective_date=timezone.localdate(), is_material_change=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        policy_version_publish(version=version)
    assert not Message.objects.filter(template_key="policy_changed").exists()


def test_changed_purpose_text_re_asks_consent_at_publication():
    user = UserFactory()
    consent_set(subject=user, purpose="marketing_email", granted=True, source="web")
    consent_set(subject=user, purpose="marketing_sms", granted=True, source="web")
    version = _new_material_version()
    PurposeText.objects.create(
        purpose="marketing_email",
        version=2,
        text_nb="Endret",
        text_en="Changed",
        policy_version=version,
    )
    policy_version_publish(version=version)
    assert not has_consent(subject=user, purpose="marketing_email")
    assert has_consent(subject=user, purpose="marketing_sms")  # wording unchanged
