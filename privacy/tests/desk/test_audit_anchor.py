"""The audit trail's head is anchored outside the table: signed, append-only checkpoints.

An attacker who can bypass the audit table's trigger (its owner, a superuser) can remove the
newest rows or rewrite the whole chain with fresh hashes; the chain alone stays consistent.
The checkpoints signed with a key the database does not hold are what `privacy_audit_verify`
compares against.
"""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from accounts.tests.factories import UserFactory
from bookingtjeneste.celery import app as celery_app
from privacy.audit import GENESIS_HASH, audit_chain_verify, audit_log, entry_hash
from privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


def _entries(count: int) -> list[AuditEntry]:
    user = UserFactory()
    return [audit_log(action=f"test.{i}", subject=user, details={"i": i}) for i in range(count)]


def _verify() -> str:
    out = io.StringIO()
    call_command("privacy_audit_verify", stdout=out)
    return out.getvalue()


def _bypassing_the_trigger(sql: str, params: list) -> None:
    """What the table owner (or a superuser) can do; the application role cannot."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE privacy_auditentry DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE privacy_auditentry ENABLE TRIGGER USER")


def _rehash_from_genesis() -> None:
    previous_hash = GENESIS_HASH
    for entry in AuditEntry.objects.order_by("pk"):
        new_hash = entry_hash(
            created_at=entry.created_at,
            action=entry.action,
            actor_public_id=entry.actor_public_id,
            subject_public_id=entry.subject_public_id,
            object_type=entry.object_type,
            object_id=entry.object_id,
            details=entry.details,
            previous_hash=previous_hash,
        )
        _bypassing_the_trigger(
            "UPDATE privacy_auditentry SET previous_hash = %s, hash = %s WHERE id = %s",
            [previous_hash, new_hash, entry.pk],
        )
        previous_hash = new_hash


def test_verify_records_a_signed_checkpoint_and_stays_green_as_the_trail_grows():
    from privacy.models import AuditCheckpoint

    entries = _entries(3)
    assert "3 entries" in _verify()
    checkpoint = AuditCheckpoint.objects.get()
    assert checkpoint.entry_id == entries[-1].pk and checkpoint.entry_hash == entries[-1].hash
    assert checkpoint.entry_count == 3 and len(checkpoint.signature) == 64
    _entries(2)
    assert "5 entries" in _verify()
    assert AuditCheckpoint.objects.count() == 2
    # Nothing new since the last checkpoint: no duplicate.
    _verify()
    assert AuditCheckpoint.objects.count() == 2


def test_deleting_the_newest_entries_after_a_checkpoint_fails_verification():
    entries = _entries(4)
    _verify()
    _bypassing_the_trigger("DELETE FROM privacy_auditentry WHERE id >= %s", [entries[2].pk])
    assert not audit_chain_verify().ok
    with pytest.raises(CommandError, match="truncated"):
        _verify()


def test_rehashing_the_whole_chain_consistently_fails_verification():
    entries = _entries(3)
    _verify()
    _bypassing_the_trigger(
        "UPDATE privacy_auditentry SET action = 'forged' WHERE id = %s", [entries[1].pk]
    )
    _rehash_from_genesis()
    report = audit_chain_verify()
    assert not report.ok and report.first_broken_pk == entries[-1].pk
    with pytest.raises(CommandError, match="does not match checkpoint"):
        _verify()


def test_a_checkpoint_with_a_wrong_signature_fails_verification():
    from privacy.models import AuditCheckpoint

    _entries(2)
    _verify()
    checkpoint = AuditCheckpoint.objects.get()
    AuditCheckpoint.objects.create(
        created_at=checkpoint.created_at,
        entry_id=checkpoint.entry_id,
        entry_count=checkpoint.entry_count,
        entry_hash=checkpoint.entry_hash,
        key_id=checkpoint.key_id,
        signature="0" * 64,
    )
    with pytest.raises(CommandError, match="signature"):
        _verify()


def test_a_checkpoint_signed_with_another_key_fails_verification(settings):
    settings.AUDIT_ANCHOR_KEY = "the-key-of-the-day-the-checkpoint-was-signed"
    _entries(2)
    _verify()
    settings.AUDIT_ANCHOR_KEY = "a-different-key"
    with pytest.raises(CommandError, match="signature"):
        _verify()


def test_checkpoints_are_append_only():
    from django.core.exceptions import PermissionDenied

    from privacy.models import AuditCheckpoint

    _entries(1)
    _verify()
    checkpoint = AuditCheckpoint.objects.get()
    with pytest.raises(PermissionDenied):
        checkpoint.save()
    with pytest.raises(PermissionDenied):
        AuditCheckpoint.objects.all().delete()
    with pytest.raises(PermissionDenied):
        AuditCheckpoint.objects.all().update(entry_hash="x")
    if connection.vendor == "postgresql":
        for sql in (
            "UPDATE privacy_auditcheckpoint SET entry_hash = 'x'",
            "DELETE FROM privacy_auditcheckpoint",
        ):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
                cur.execute(sql)
    assert AuditCheckpoint.objects.get().entry_hash == checkpoint.entry_hash


def test_the_periodic_task_checkpoints_and_is_scheduled(settings):
    from privacy.models import AuditCheckpoint
    from privacy.tasks import audit_checkpoint_task

    entries = _entries(2)
    assert audit_checkpoint_task() == AuditCheckpoint.objects.get().pk
    assert AuditCheckpoint.objects.get().entry_id == entries[-1].pk
    assert audit_checkpoint_task() is None  # head unchanged: nothing to sign
    schedule = settings.CELERY_BEAT_SCHEDULE["privacy-audit-checkpoint"]
    assert schedule["task"] == "privacy.tasks.audit_checkpoint_task"
    assert schedule["task"] in celery_app.tasks


def test_the_periodic_task_refuses_to_sign_a_broken_chain():
    from privacy.models import AuditCheckpoint
    from privacy.tasks import audit_checkpoint_task

    _entries(2)
    audit_checkpoint_task()
    # Only the entries since the last checkpoint are re-verified each hour (the ones before
    # are pinned by it, and a full verification finds any other change).
    since = _entries(2)
    _bypassing_the_trigger(
        "UPDATE privacy_auditentry SET action = 'forged' WHERE id = %s", [since[0].pk]
    )
    assert audit_checkpoint_task() is None
    assert AuditCheckpoint.objects.count() == 1


def test_the_anchor_log_outside_the_database_catches_removed_checkpoints(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    from privacy.models import AuditCheckpoint

    settings.AUDIT_ANCHOR_LOG = str(tmp_path / "audit-anchors.jsonl")
    entries = _entries(3)
    with django_capture_on_commit_callbacks(execute=True):  # the line is written on commit
        _verify()
    published = [json.loads(line) for line in (tmp_path / "audit-anchors.jsonl").open()]
    assert [line["entry_id"] for line in published] == [entries[-1].pk]
    assert set(published[0]) == {
        "checkpoint_id",
        "created_at",
        "entry_id",
        "entry_count",
        "entry_hash",
        "key_id",
        "signature",
    }
    # Someone who can bypass every trigger removes the newest entries AND the checkpoint.
    _bypassing_the_trigger("DELETE FROM privacy_auditentry WHERE id >= %s", [entries[1].pk])
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE privacy_auditcheckpoint DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM privacy_auditcheckpoint")
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE privacy_auditcheckpoint ENABLE TRIGGER USER")
    assert not AuditCheckpoint.objects.exists()
    with pytest.raises(CommandError, match="anchor log"):
        _verify()


def test_verify_without_checkpoint_option_writes_nothing():
    from privacy.models import AuditCheckpoint

    _entries(2)
    out = io.StringIO()
    call_command("privacy_audit_verify", "--no-checkpoint", stdout=out)
    assert "2 entries" in out.getvalue()
    assert not AuditCheckpoint.objects.exists()
