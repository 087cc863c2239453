import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from privacy.ledger_guard import ledger_purge
from privacy.models import ConsentEvent, ConsentSubjectLink, PurposeText
from privacy.purposes import DEFINITIONS, Purpose
from privacy.selectors import consent_states, has_consent
from privacy.services import consent_set, consent_subject_link, ip_truncate

pytestmark = pytest.mark.django_db


def test_every_purpose_has_a_definition_and_a_stored_text_and_defaults_off():
    user = UserFactory()
    for purpose in Purpose.values:
        assert DEFINITIONS[purpose].default is False
        assert PurposeText.objects.filter(purpose=purpose, version=1).exists()
        assert has_consent(subject=user, purpose=purpose) is False


def test_grant_then_withdraw_appends_and_the_state_is_derived():
    user = UserFactory()
    first = consent_set(subject=user, purpose="marketing_email", granted=True, source="web")
    assert has_consent(subject=user, purpose="marketing_email")
    second = consent_set(subject=user, purpose="marketing_email", granted=False, source="api")
    assert not has_consent(subject=user, purpose="marketing_email")
    assert ConsentEvent.objects.filter(subject_id=user.public_id).count() == 2
    assert has_consent(subject=user, purpose="marketing_email", at=first.created_at)
    assert first.purpose_text.purpose == "marketing_email"
    assert first.policy_version.version == "2025-02-21"
    assert second.source == "api"


def test_event_records_truncated_ip_and_user_agent():
    request = RequestFactory().post(
        "/", REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT="Mozilla/5.0 " + "x" * 500
    )
    event = consent_set(
        subject=uuid.uuid4(),
        purpose="analytics_cookies",
        granted=True,
        source="banner",
        request=request,
    )
    assert event.ip_truncated == "203.0.113.0/24"
    assert event.user_agent == "other"  # not a browser we recognise: no raw string kept
    assert ip_truncate("2001:db8:abcd:12:1:2:3:4") == "2001:db8:abcd::/48"
    assert ip_truncate("not-an-ip") == ""


def test_unknown_purpose_or_source_is_refused():
    user = UserFactory()
    with pytest.raises(ValueError):
        consent_set(subject=user, purpose="telepathy", granted=True, source="web")
    with pytest.raises(ValueError):
        consent_set(subject=user, purpose="marketing_sms", granted=True, source="carrier-pigeon")
    with pytest.raises(ValueError):
        has_consent(subject=user, purpose="telepathy")
    assert not ConsentEvent.objects.exists()


def test_ledger_rows_cannot_be_updated_or_deleted_from_python():
    event = consent_set(subject=uuid.uuid4(), purpose="personalisation", granted=True, source="web")
    event.granted = False
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(PermissionDenied):
        event.delete()
    with pytest.raises(PermissionDenied):
        ConsentEvent.objects.filter(pk=event.pk).update(granted=False)
    with pytest.raises(PermissionDenied):
        ConsentEvent.objects.filter(pk=event.pk).delete()
    assert ConsentEvent.objects.get(pk=event.pk).granted is True


def test_a_retention_rule_deletes_only_the_rows_it_covers():
    consent_set(subject=uuid.uuid4(), purpose="personalisation", granted=True, source="web")
    living = consent_set(
        subject=UserFactory(), purpose="personalisation", granted=True, source="web"
    )
    deleted = ledger_purge(
        rule="anonymous_consents",
        queryset=ConsentEvent.objects.filter(subject_type="anonymous"),
        cutoff=timezone.now() + timedelta(seconds=1),
    )
    assert deleted == 1
    assert list(ConsentEvent.objects.values_list("pk", flat=True)) == [living.pk]
    with pytest.raises(ValueError):
        ledger_purge(rule="everything", queryset=ConsentEvent.objects.all(), cutoff=timezone.now())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL-only")
def test_postgres_trigger_blocks_raw_update_and_delete():
    event = consent_set(subject=uuid.uuid4(), purpose="personalisation", granted=True, source="web")
    for sql in (
        "UPDATE privacy_consentevent SET granted = false WHERE id = %s",
        "DELETE FROM privacy_consentevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert ConsentEvent.objects.get(pk=event.pk).granted is True


def test_anonymous_choices_are_linked_to_the_user_at_login(client):
    consent_id = uuid.uuid4()
    consent_set(subject=consent_id, purpose="analytics_cookies", granted=True, source="banner")
    user = UserFactory()
    client.cookies["bt_consent_id"] = str(consent_id)
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": "a-strong-test-password-42"}
    )
    assert response.status_code == 302
    assert ConsentSubjectLink.objects.filter(
        consent_id=consent_id, user_public_id=user.public_id
    ).exists()
    assert has_consent(subject=user, purpose="analytics_cookies")
    # The anonymous rows keep their original subject: linking rewrites nothing.
    assert ConsentEvent.objects.get().subject_type == "anonymous"


def test_a_consent_id_linked_to_one_user_is_not_handed_to_the_next():
    consent_id = uuid.uuid4()
    first, second = UserFactory(), UserFactory()
    assert consent_subject_link(user=first, consent_id=consent_id) is not None
    assert consent_subject_link(user=second, consent_id=consent_id) is None
    assert consent_subject_link(user=second, consent_id="garbage") is None


def test_a_changed_purpose_text_needs_consent_again():
    user = UserFactory()
    consent_set(subject=user, purpose="personalisation", granted=True, source="web")
    old = PurposeText.objects.get(purpose="personalisation", version=1)
    PurposeText.objects.create(
        purpose="personalisation",
        version=2,
        text_nb="Ny tekst",
        text_en="New text",
        policy_version=old.policy_version,
    )
    assert not has_consent(subject=user, purpose="personalisation")
    state = {s.purpose: s for s in consent_states(subject=user)}["personalisation"]
    assert state.needs_renewal and not state.granted
    consent_set(subject=user, purpose="personalisation", granted=True, source="web")
    assert has_consent(subject=user, purpose="personalisation")


def test_restricted_subjects_answer_no():
    from privacy.request_desk import subject_restrict

    user = UserFactory()
    consent_set(subject=user, purpose="marketing_sms", granted=True, source="web")
    subject_restrict(user=user)  # Art. 18, as the DPO's desk does it
    assert not has_consent(subject=user, purpose="marketing_sms")
    subject_restrict(user=user, restricted=False)
    assert has_consent(subject=user, purpose="marketing_sms")


def test_has_consent_at_a_past_moment():
    user = UserFactory()
    before = timezone.now() - timedelta(seconds=1)
    consent_set(subject=user, purpose="sms_notifications", granted=True, source="web")
    assert not has_consent(subject=user, purpose="sms_notifications", at=before)
    assert has_consent(subject=user, purpose="sms_notifications")
