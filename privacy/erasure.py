"""Erasure (GDPR Art. 17): every registered category, one transaction each, then processors.

Order: the account is deactivated first (no new processing starts while we work), categories
run in registry order (the account itself last), processors are told by one tracked task each
after commit, the erasure is appended to the erasure journal (a file outside the database, for
`privacy_replay_erasures` after a restore; guests by a keyed hash of their address), and the
subject gets a confirmation of what was kept, why, and until when.
"""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .audit import audit_log
from .models import PrivacyRequest, ProcessorErasure
from .notices import (
    notice_addresses,
    notice_bodies,
    notice_deliver_now,
    notice_send,
    notices_redact,
)
from .publish import processor_erasure_send
from .registry import Kept, ProcessorCall, Subject, registry

logger = logging.getLogger(__name__)

ERASURE_CONFIRMATION_TEMPLATE = "privacy_erasure_done"
# The confirmation is sent by the erasure itself; the relay only sends it after this delay if
# that did not happen (the process died between commit and send).
CONFIRMATION_FALLBACK_DELAY = timedelta(minutes=15)


def journal_path() -> str:
    return os.path.join(str(settings.PRIVATE_MEDIA_ROOT), "privacy", "erasure-journal.jsonl")


JOURNAL_KEY_SALT = "privacy.erasure-journal.guest"


def guest_key(value: str, *, secret: str | None = None) -> str:
    """A keyed hash (HMAC-SHA256 under SECRET_KEY) of a guest's normalised e-mail address or
    phone number: it finds the guest's rows again after a restore, yet the journal holds no
    address a reader could use without the key."""
    return salted_hmac(
        JOURNAL_KEY_SALT, value.strip().lower(), secret=secret, algorithm="sha256"
    ).hexdigest()


def _journal_append(entry: dict) -> None:
    """One line per erasure: a pseudonymous id (account) or keyed hashes (guest), and the time.
    Lives outside the database so a restored backup cannot take it back with it."""
    path = journal_path()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a", encoding="utf-8") as journal:
        journal.write(json.dumps(entry) + "\n")


def journal_entries(*, since: date) -> list[dict]:
    path = journal_path()
    if not os.path.exists(path):
        return []
    entries = []
    with open(path, encoding="utf-8") as journal:
        for line in journal:
            line = line.strip()
            if not line:
                continue
            entry = json.loads(line)
            if entry["erased_at"][:10] >= since.isoformat():
                entries.append(entry)
    return entries


def subject_erase(
    *,
    subject: Subject,
    request: PrivacyRequest | None = None,
    by=None,
    notify_email: str = "",
    notify: bool = True,
    journal: bool = True,
) -> dict:
    """Erase everything about `subject` that no law makes us keep.

    Precondition: the decision is made (an approved request, a minor, an inactive account, a
    replay). Not inside an outer transaction: each category commits on its own, so one failing
    category does not undo the others and a rerun (idempotent) finishes the job.
    `journal=False` for a replay: the erasure is in the journal already.
    Returns the outcome: counts per category and what was kept, why, until when.
    """
    user = subject.user
    if user is not None and user.is_active:
        type(user).objects.filter(pk=user.pk).update(is_active=False)
    calls: list[ProcessorCall] = []
    for category in registry.all():
        calls.extend(category.processor_calls(subject))
    email = (notify_email or (subject.emails[0] if subject.emails else "")) if notify else ""
    categories: dict[str, dict] = {}
    kept: list[Kept] = []
    for category in registry.all():
        with transaction.atomic():
            outcome = category.erase(subject)
        categories[category.key] = outcome.as_dict()
        kept.extend(outcome.kept)
    erased_at = timezone.now().isoformat()
    result = {
        "categories": categories,
        "kept": [k.as_dict() for k in kept],
        "processors": sorted({c.processor for c in calls}),
        "erased_at": erased_at,
    }
    with transaction.atomic():
        propagations = [
            ProcessorErasure.objects.create(
                request=request,
                subject_public_id=subject.public_id or _guest_id(request),
                processor=call.processor,
                target=call.target,
            )
            for call in calls
        ]
        audit_log(
            action="erasure.completed",
            actor=by,
            subject=subject.public_id,
            obj=request,
            details={
                "categories": {
                    k: {"deleted": v["deleted"], "anonymised": v["anonymised"]}
                    for k, v in categories.items()
                },
                "processors": result["processors"],
            },
        )
        confirmation_id = _confirm(email=email, result=result, request=request) if email else None
        for propagation in propagations:
            processor_erasure_send(propagation.pk)
    if journal and subject.public_id is not None:
        _journal_append({"public_id": str(subject.public_id), "erased_at": erased_at})
    elif journal and (subject.emails or subject.phones):
        keys = sorted(guest_key(value) for value in (*subject.emails, *subject.phones))
        _journal_append({"guest_keys": keys, "erased_at": erased_at})
    if confirmation_id is not None:
        erasure_confirmation_send(message_id=confirmation_id)
    return result


def _guest_id(request: PrivacyRequest | None) -> uuid.UUID:
    # A guest has no account; the request's own id stands in as the pseudonymous reference, or
    # a fresh one for an erasure without a request (a replay after restore).
    return request.public_id if request is not None else uuid.uuid4()


def _confirm(*, email: str, result: dict, request: PrivacyRequest | None) -> int | None:
    """Queue the confirmation: what was erased and what was kept, why and until when.

    Its due time lies a little ahead, so no worker picks it up on its own: the erasure sends it
    itself right after commit (`erasure_confirmation_send`) and blanks the address at once. If
    the process dies in between, the outbox relay sends it when it falls due and the hourly
    `erasure_confirmations_scrub` blanks it after that.
    """
    key = request.public_id if request is not None else timezone.now().timestamp()
    return notice_send(
        template_key=ERASURE_CONFIRMATION_TEMPLATE,
        channel="email",
        idempotency_key=f"privacy-erasure-done-{key}",
        to_address=email,
        context={"kept": result["kept"], "processors": result["processors"]},
        due_at=timezone.now() + CONFIRMATION_FALLBACK_DELAY,
    )


def erasure_confirmation_send(*, message_id: int) -> str:
    """Hand the confirmation to the e-mail provider now, then forget the address.

    Precondition: outside any transaction (the provider call must follow the commit). A
    transient provider error leaves the row queued for the relay's retries; the scrub then
    happens in `erasure_confirmations_scrub` once it has gone out.
    """
    status = notice_deliver_now(message_id=message_id)
    erasure_confirmations_scrub()
    return status


def erasure_confirmations_scrub() -> int:
    """Blank the address and text of every erasure confirmation that has left us (sent,
    delivered, or finally failed). Idempotent; runs after each send and hourly."""
    return notices_redact(template_key=ERASURE_CONFIRMATION_TEMPLATE, created_before=timezone.now())


def request_subject(request: PrivacyRequest) -> Subject:
    """The person a request is about: its account, else the guest's confirmed address."""
    if request.subject_id is not None:
        return Subject.for_user(request.subject)
    if request.contact_email:
        return Subject.for_email(request.contact_email)
    return Subject(user=None, public_id=request.subject_public_id)


def erasure_preview(*, subject: Subject) -> dict:
    """What an erasure of `subject` would erase and keep, changing nothing (read-only).

    Returns {"erase": [{"category", "name", "count"}], "keep": [Kept]}: the categories that
    hold something of the person and that erasure deletes or anonymises, with the number of
    records (None for a single thing such as the account), and what the law makes us keep,
    why and until when.
    """
    erase = []
    keep: list[Kept] = []
    for category in registry.all():
        keep.extend(category.kept(subject))
        if not category.is_erased():
            continue
        data = category.export(subject)
        # A list is one row per record; a dict (the account, sessions) is one thing.
        if isinstance(data, list) and data:
            erase.append({"category": category.key, "name": category.name, "count": len(data)})
        elif isinstance(data, dict) and any(data.values()):
            erase.append({"category": category.key, "name": category.name, "count": None})
    return {"erase": erase, "keep": keep}


def request_erase(*, request: PrivacyRequest) -> dict:
    """Carry out an approved erasure request (task), then complete it."""
    from .request_desk import request_complete

    subject = request_subject(request)
    notify_email = request.contact_email or (subject.emails[0] if subject.emails else "")
    result = subject_erase(subject=subject, request=request, notify_email=notify_email)
    # The request record stays as proof; the address that identified a guest goes.
    PrivacyRequest.objects.filter(pk=request.pk).update(contact_email="", details="")
    request.refresh_from_db()
    request_complete(
        request=request,
        outcome={
            "kept": result["kept"],
            "processors": result["processors"],
            "counts": {k: v["deleted"] + v["anonymised"] for k, v in result["categories"].items()},
        },
    )
    return result


def erasures_replay(*, since: date) -> list[str]:
    """After a restore from backup: erase again everyone erased since `since` who is back.

    Accounts come from the erasure journal (outside the database) and the completed erasure
    requests still in the database; guests only from the journal, found again by comparing
    the keyed hash of every guest address the restored tables hold. Returns the public ids
    (accounts) and "guest-<hash prefix>" labels of those erased again."""
    from django.contrib.auth import get_user_model

    entries = journal_entries(since=since)
    public_ids = {entry["public_id"] for entry in entries if "public_id" in entry}
    public_ids |= {
        str(pid)
        for pid in PrivacyRequest.objects.filter(
            type=PrivacyRequest.Type.ERASURE,
            status=PrivacyRequest.Status.COMPLETED,
            completed_at__date__gte=since,
        )
        .exclude(subject_public_id=None)
        .values_list("subject_public_id", flat=True)
    }
    replayed = []
    for user in get_user_model().objects.filter(public_id__in=public_ids).order_by("pk"):
        subject_erase(subject=Subject.for_user(user), notify=False, journal=False)
        audit_log(action="erasure.replayed", subject=user.public_id)
        replayed.append(str(user.public_id))
    wanted = {key for entry in entries for key in entry.get("guest_keys", ())}
    for email, key in _guest_addresses_matching(wanted):
        subject_erase(subject=Subject.for_email(email), notify=False, journal=False)
        audit_log(action="erasure.replayed", details={"guest": key[:12]})
        replayed.append(f"guest-{key[:12]}")
    return replayed


# The sender's address in the contact form's e-mail to us: "From: Name <address>".
_SENDER_ADDRESS = re.compile(r"<([^<>\s@]+@[^<>\s]+)>")


def _guest_addresses_matching(wanted: set[str]) -> list[tuple[str, str]]:
    """Every address a guest can have left in the database, kept if its keyed hash (under the
    current key or a fallback after key rotation) is in `wanted`. A guest has no account, so
    the addresses are read from the tables that hold guests' data; one pass each."""
    from .models import ContactMessage
    from .services.contact import CONTACT_TEMPLATE

    if not wanted:
        return []
    candidates = {
        *ContactMessage.objects.values_list("email", flat=True),
        *PrivacyRequest.objects.exclude(contact_email="").values_list("contact_email", flat=True),
        *notice_addresses(),
    }
    for body in notice_bodies(template_key=CONTACT_TEMPLATE):
        candidates.update(_SENDER_ADDRESS.findall(body))
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    found = {}
    for address in {c.strip().lower() for c in candidates if c}:
        for secret in secrets:
            key = guest_key(address, secret=secret)
            if key in wanted:
                found[address] = key
                break
    return sorted(found.items())
