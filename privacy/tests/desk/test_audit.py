"""The audit trail is hash-chained, append-only, and its verification finds tampering."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from accounts.tests.factories import UserFactory
from privacy.audit import GENESIS_HASH, audit_chain_verify, audit_log
from privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


def _three():
    user = UserFactory()
    return [audit_log(action=f"test.{i}", subject=user, details={"i": i}) for i in range(3)]


def test_entries_chain_and_verify():
    entries = _three()
    assert entries[0].previous_hash == GENESIS_HASH
    assert entries[1].previous_hash == entries[0].hash
    assert audit_chain_verify().ok and audit_chain_verify().checked == 3
    out = io.StringIO()
    call_command("privacy_audit_verify", stdout=out)
    assert "3 entries" in out.getvalue()


def test_orm_refuses_changes():
    entry = _three()[0]
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.all().update(action="x")
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.all().delete()


def test_tampering_is_detected():
    entries = _three()
    if connection.vendor == "postgresql":
        # The trigger refuses it outright...
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE privacy_auditentry SET action='forged' WHERE id=%s", [entries[1].pk]
            )
        with transaction.atomic(), connection.cursor() as cursor:
            # ...so only someone who drops it can change a row; the chain still tells.
            cursor.execute("ALTER TABLE privacy_auditentry DISABLE TRIGGER USER")
            cursor.execute(
                "UPDATE privacy_auditentry SET action='forged' WHERE id=%s", [entries[1].pk]
            )
            cursor.execute("ALTER TABLE privacy_auditentry ENABLE TRIGGER USER")
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE privacy_auditentry SET action='forged' WHERE id=%s", [entries[1].pk]
            )
    report = audit_chain_verify()
    assert not report.ok and report.first_broken_pk == entries[1].pk
    with pytest.raises(CommandError):
        call_command("privacy_audit_verify", stdout=io.StringIO())


def test_removed_row_is_detected():
    entries = _three()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE privacy_auditentry DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM privacy_auditentry WHERE id=%s", [entries[1].pk])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE privacy_auditentry ENABLE TRIGGER USER")
    report = audit_chain_verify()
    assert report.first_broken_pk == entries[2].pk


def test_audit_rows_hold_no_names():
    user = UserFactory(full_name="Navnesen Unik")
    audit_log(action="x", actor=user, subject=user, obj=user)
    row = AuditEntry.objects.values().get()
    assert "Navnesen" not in str(row) and user.email not in str(row)
    assert row["subject_public_id"] == user.public_id
