"""Writing, anchoring and verifying the hash-chained audit trail.

Each row's hash is sha256 over a canonical JSON of its content plus the previous row's hash,
so changing or removing any row breaks every hash after it (`privacy_audit_verify`). The chain
alone cannot show that its newest rows were removed, or that every hash was recomputed from the
first row on; so its head (entry id, count, hash) is signed with HMAC-SHA256 under a key the
database does not hold (`AUDIT_ANCHOR_KEY`) and stored as an append-only `AuditCheckpoint`
(hourly by Celery beat, and by every verification), and optionally appended to a log file
outside the database (`AUDIT_ANCHOR_LOG`). Verification compares the chain with every anchor.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import AuditCheckpoint, AuditEntry

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
# A fixed advisory-lock id: appends are serialised so the chain never forks.
_ADVISORY_LOCK_ID = 7_202_611
ANCHOR_HKDF_INFO = b"bookingtjeneste privacy audit-anchor signing v1"


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


def _lock_the_head() -> None:
    """Serialise appends and checkpoints (call inside `transaction.atomic`)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_ID])


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
        _lock_the_head()
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


# --- Anchors: signed heads kept outside the audited table --------------------------------


def _anchor_key() -> bytes:
    configured = getattr(settings, "AUDIT_ANCHOR_KEY", "")
    if configured:
        return configured.encode()
    # Derived, never SECRET_KEY itself; production sets its own key (docs/RETENTION.md).
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=ANCHOR_HKDF_INFO).derive(
        settings.SECRET_KEY.encode()
    )


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"audit-anchor-key-id:" + key).hexdigest()[:16]


def _signature(key: bytes, *, created_at: str, entry_id: int, entry_count: int, entry_hash: str):
    payload = _canonical(
        {
            "created_at": created_at,
            "entry_id": entry_id,
            "entry_count": entry_count,
            "entry_hash": entry_hash,
        }
    )
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Anchor:
    """A signed head, from the checkpoint table or from the anchor log."""

    label: str
    checkpoint_id: int
    created_at: str
    entry_id: int
    entry_count: int
    entry_hash: str
    key_id: str
    signature: str

    @classmethod
    def of(cls, checkpoint: AuditCheckpoint) -> Anchor:
        return cls(
            label=f"checkpoint {checkpoint.pk}",
            checkpoint_id=checkpoint.pk,
            created_at=checkpoint.created_at.isoformat(timespec="microseconds"),
            entry_id=checkpoint.entry_id,
            entry_count=checkpoint.entry_count,
            entry_hash=checkpoint.entry_hash,
            key_id=checkpoint.key_id,
            signature=checkpoint.signature,
        )

    def as_line(self) -> str:
        fields = self.__dict__.copy()
        del fields["label"]
        return json.dumps(fields, sort_keys=True)

    def signature_problem(self, key: bytes) -> str:
        expected = _signature(
            key,
            created_at=self.created_at,
            entry_id=self.entry_id,
            entry_count=self.entry_count,
            entry_hash=self.entry_hash,
        )
        if hmac.compare_digest(expected, self.signature):
            return ""
        if self.key_id != _key_id(key):
            return f"the signature of {self.label} is by another key (id {self.key_id})"
        return f"the signature of {self.label} does not verify (forged or altered)"


def _anchor_log_path() -> str:
    return str(getattr(settings, "AUDIT_ANCHOR_LOG", "") or "")


def _anchor_log_append(anchor: Anchor) -> None:
    path = _anchor_log_path()
    if not path:
        return
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "a", encoding="utf-8") as log:
        log.write(anchor.as_line() + "\n")


def _anchor_log_read() -> tuple[list[Anchor], str]:
    """The published anchors, or a problem if the log cannot be read as written."""
    path = _anchor_log_path()
    if not path or not os.path.exists(path):
        return [], ""
    anchors = []
    with open(path, encoding="utf-8") as log:
        for number, line in enumerate(log, start=1):
            if not line.strip():
                continue
            try:
                anchors.append(Anchor(label=f"anchor log line {number}", **json.loads(line)))
            except (ValueError, TypeError):
                return anchors, f"anchor log line {number} is unreadable"
    return anchors, ""


@dataclass
class ChainReport:
    checked: int
    first_broken_pk: int | None = None
    problem: str = ""
    head_pk: int | None = None
    head_hash: str = ""
    anchors: int = 0

    @property
    def ok(self) -> bool:
        return not self.problem


def _walk(
    *, after: Anchor | None, anchors_by_entry: dict[int, list[Anchor]], batch_size: int
) -> ChainReport:
    """Recompute hashes in order from `after` (or the first row); compare with the anchors."""
    entries = AuditEntry.objects.order_by("pk")
    previous_hash, checked, head_pk = GENESIS_HASH, 0, None
    if after is not None:
        entries = entries.filter(pk__gt=after.entry_id)
        previous_hash, checked, head_pk = after.entry_hash, after.entry_count, after.entry_id
    for entry in entries.iterator(batch_size):
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
        for anchor in anchors_by_entry.get(entry.pk, ()):
            if entry.hash != anchor.entry_hash:
                return ChainReport(
                    checked,
                    entry.pk,
                    f"its hash does not match {anchor.label} (the trail was re-hashed)",
                )
            if checked + 1 != anchor.entry_count:
                return ChainReport(
                    checked,
                    entry.pk,
                    f"{anchor.label} counted {anchor.entry_count} entries up to it, the trail "
                    f"has {checked + 1} (entries removed and the chain re-hashed)",
                )
        previous_hash, head_pk = entry.hash, entry.pk
        checked += 1
    return ChainReport(checked, head_pk=head_pk, head_hash=previous_hash)


def audit_chain_verify(*, batch_size: int = 5000) -> ChainReport:
    """Recompute every hash in order and compare the chain with every signed anchor.

    Reports the first problem: a row that does not match its hash or its predecessor, an
    anchor whose signature fails, an anchored entry that is gone (the trail was truncated) or
    has another hash (re-hashed), or an anchor in the log that the database no longer holds.
    """
    key = _anchor_key()
    stored = [Anchor.of(checkpoint) for checkpoint in AuditCheckpoint.objects.order_by("pk")]
    published, log_problem = _anchor_log_read()
    if log_problem:
        return ChainReport(0, problem=log_problem)
    anchors = stored + published
    for anchor in anchors:
        if problem := anchor.signature_problem(key):
            return ChainReport(0, problem=problem)
    stored_signatures = {anchor.signature for anchor in stored}
    for anchor in published:
        if anchor.signature not in stored_signatures:
            return ChainReport(
                0,
                problem=f"{anchor.label} (checkpoint {anchor.checkpoint_id}) is missing from "
                "the database: checkpoints were removed",
            )
    anchors_by_entry: dict[int, list[Anchor]] = defaultdict(list)
    for anchor in anchors:
        anchors_by_entry[anchor.entry_id].append(anchor)
    report = _walk(after=None, anchors_by_entry=anchors_by_entry, batch_size=batch_size)
    report.anchors = len(stored)
    if not report.ok:
        return report
    seen_up_to = report.head_pk or 0
    for anchor in sorted(anchors, key=lambda anchor: -anchor.entry_id):
        if anchor.entry_id > seen_up_to:
            report.problem = (
                f"the trail was truncated: {anchor.label} anchors entry {anchor.entry_id}, "
                f"the trail ends at entry {report.head_pk}"
            )
            return report
        if not AuditEntry.objects.filter(pk=anchor.entry_id).exists():
            report.problem = f"entry {anchor.entry_id}, anchored by {anchor.label}, is missing"
            return report
    return report


def audit_checkpoint(*, batch_size: int = 5000) -> AuditCheckpoint | None:
    """Sign the trail's current head and store it (and, on commit, append it to the log).

    Verifies the entries since the last checkpoint first and refuses to sign a broken chain
    (logged). Returns None when there is nothing new to sign. Serialised with `audit_log`.
    """
    key = _anchor_key()
    with transaction.atomic():
        _lock_the_head()
        last_checkpoint = AuditCheckpoint.objects.order_by("-pk").first()
        last = Anchor.of(last_checkpoint) if last_checkpoint else None
        problem = last.signature_problem(key) if last else ""
        if last and not problem:
            anchored = AuditEntry.objects.filter(pk=last.entry_id).values_list("hash", flat=True)
            if list(anchored) != [last.entry_hash]:
                problem = f"entry {last.entry_id} no longer matches {last.label}"
        report = ChainReport(0, problem=problem)
        if not problem:
            report = _walk(after=last, anchors_by_entry={}, batch_size=batch_size)
        if not report.ok:
            logger.error(
                "audit checkpoint refused: the trail fails verification",
                extra={"entry": report.first_broken_pk, "problem": report.problem},
            )
            return None
        if report.head_pk is None or (last and report.head_pk == last.entry_id):
            return None
        created_at = timezone.now()
        fields = {
            "created_at": created_at.isoformat(timespec="microseconds"),
            "entry_id": report.head_pk,
            "entry_count": report.checked,
            "entry_hash": report.head_hash,
        }
        checkpoint = AuditCheckpoint.objects.create(
            created_at=created_at,
            entry_id=report.head_pk,
            entry_count=report.checked,
            entry_hash=report.head_hash,
            key_id=_key_id(key),
            signature=_signature(key, **fields),
        )
        anchor = Anchor.of(checkpoint)
        transaction.on_commit(lambda: _anchor_log_append(anchor))
    # Published in the logs too: hashes and ids only, no personal data.
    logger.info(
        "audit checkpoint",
        extra={
            "checkpoint": checkpoint.pk,
            "entry_id": checkpoint.entry_id,
            "entry_count": checkpoint.entry_count,
            "entry_hash": checkpoint.entry_hash,
        },
    )
    return checkpoint
