"""Writing and verifying the hash-chained audit trail.

Each row's hash is sha256 over a canonical JSON of its content plus the previous row's hash,
so changing or removing any row breaks every hash after it (`privacy_audit_verify`).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from .models import AuditEntry

GENESIS_HASH = "0" * 64
# A fixed advisory-lock id: appends are serialised so the chain never forks.
_ADVISORY_LOCK_ID = 7_202_611


def _canonical(entry_fields: dict) -> bytes:
    return json.dumps(entry_fields, sort_keys=True, separators=(",", ":"), default=str).encode()


def entry_hash(
    *,
    created_at: datetime,
    action: str,
    actor_public_id,
    subject_public_id,
    object_type: str,
    object_id: str,
    details: dict,
    previous_hash: str,
) -> str:
    payload = {
        "created_at": created_at.isoformat(timespec="microseconds"),
        "action": action,
        "actor": str(actor_public_id) if actor_public_id else None,
        "subject": str(subject_public_id) if subject_public_id else None,
        "object_type": object_type,
        "object_id": object_id,
        "details": details,
        "previous_hash": previous_hash,
    }
    return hashlib.sha256(_canonical(payload)).hexdigest()


def _public_id(person) -> uuid.UUID | None:
    if person is None:
        return None
    if isinstance(person, uuid.UUID):
        return person
    return getattr(person, "public_id", None)


def audit_log(
    *,
    action: str,
    actor=None,
    subject=None,
    obj=None,
    details: dict | None = None,
) -> AuditEntry:
    """Append one entry. `actor`/`subject` are Users or public ids; `details` must hold no
    personal data (counts, rule keys, request ids). Joins the caller's transaction, so an
    action that rolls back leaves no entry."""
    details = json.loads(_canonical(details or {}))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_ID])
        previous = AuditEntry.objects.order_by("-pk").values_list("hash", flat=True).first()
        previous_hash = previous or GENESIS_HASH
        created_at = timezone.now()
        fields = {
            "created_at": created_at,
            "action": action,
            "actor_public_id": _public_id(actor),
            "subject_public_id": _public_id(subject),
            "object_type": obj._meta.label if obj is not None else "",
            "object_id": str(getattr(obj, "pk", "") or "") if obj is not None else "",
            "details": details,
        }
        return AuditEntry.objects.create(
            **fields,
            previous_hash=previous_hash,
            hash=entry_hash(**fields, previous_hash=previous_hash),
        )


@dataclass
class ChainReport:
    checked: int
    first_broken_pk: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_pk is None


def audit_chain_verify(*, batch_size: int = 5000) -> ChainReport:
    """Recompute every hash in order; report the first row that does not match."""
    previous_hash = GENESIS_HASH
    checked = 0
    for entry in AuditEntry.objects.order_by("pk").iterator(batch_size):
        if entry.previous_hash != previous_hash:
            return ChainReport(checked, entry.pk, "previous hash does not match (row removed?)")
        expected = entry_hash(
            created_at=entry.created_at,
            action=entry.action,
            actor_public_id=entry.actor_public_id,
            subject_public_id=entry.subject_public_id,
            object_type=entry.object_type,
            object_id=entry.object_id,
            details=entry.details,
            previous_hash=entry.previous_hash,
        )
        if expected != entry.hash:
            return ChainReport(checked, entry.pk, "content does not match its hash (changed?)")
        previous_hash = entry.hash
        checked += 1
    return ChainReport(checked)
