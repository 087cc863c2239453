"""The request desk (GDPR Art. 12–22): intake, deadlines, decisions and subject flags.

Every write here is audited. Side effects (export builds, erasure, e-mails) happen after commit.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .audit import audit_log
from .models import PrivacyRequest, SubjectFlag
from .notices import notice_send
from .publish import request_carry_out

Type = PrivacyRequest.Type
Status = PrivacyRequest.Status

VERIFY_SALT = "privacy.request.verify"
VERIFY_MAX_AGE = timedelta(days=7)
DUE_SOON = timedelta(days=7)
EXTENSION_MONTHS = 2


class RequestError(Exception):
    """A refusal with a stable `code` for the API and forms."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code
        self.detail = detail or code


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` calendar months later, in Oslo time, clipped to the month's end
    (31 January + 1 month = 28/29 February), as Art. 12(3) and EU Reg. 1182/71 count."""
    local = timezone.localtime(moment)
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def request_due_at(received_at: datetime) -> datetime:
    return add_months(received_at, 1)


def _notify(request: PrivacyRequest, template_key: str, context: dict | None = None) -> None:
    """E-mail the subject about their request (account preferred, else the given address)."""
    if request.subject is None and not request.contact_email:
        return
    notice_send(
        template_key=template_key,
        channel="email",
        idempotency_key=f"privacy-request-{request.public_id}-{template_key}",
        recipient=request.subject,
        to_address="" if request.subject else request.contact_email,
        context={"request": request, "site_url": settings.SITE_URL, **(context or {})},
    )


def _start_clock(request: PrivacyRequest, now: datetime) -> None:
    request.received_at = now
    request.due_at = request_due_at(now)
    request.status = Status.RECEIVED


def _is_verified_account(user) -> bool:
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, verified=True).exists()


def request_submit(
    *,
    type: str,
    channel: str,
    user=None,
    email: str = "",
    details: str = "",
) -> PrivacyRequest:
    """Record a request. A logged-in `user` counts at once; a guest's `email` must first be
    confirmed (a signed link is e-mailed). A verified account's own access request is approved
    without DPO work. Raises RequestError('invalid_type'|'duplicate'|'email_required')."""
    if type not in Type.values:
        raise RequestError("invalid_type", f"Unknown request type {type!r}.")
    if user is None and not email:
        raise RequestError("email_required", "An e-mail address is required.")
    now = timezone.now()
    with transaction.atomic():
        if user is not None:
            open_same = PrivacyRequest.objects.filter(
                subject=user, type=type, status__in=PrivacyRequest.OPEN_STATUSES
            )
            if open_same.exists():
                raise RequestError("duplicate", "A request of this type is already open.")
        request = PrivacyRequest(
            type=type,
            channel=channel,
            subject=user,
            subject_public_id=user.public_id if user else None,
            contact_email="" if user else email.strip().lower(),
            details=details.strip()[:4000],
        )
        if user is not None:
            request.verified_at = now
            _start_clock(request, now)
        request.save()
        audit_log(
            action="request.submitted",
            actor=user,
            subject=user,
            obj=request,
            details={"type": type, "channel": channel},
        )
        if user is None:
            _notify(request, "privacy_request_confirm", {"confirm_url": verify_url(request)})
            return request
        _notify(request, "privacy_request_received")
        if type == Type.ACCESS and _is_verified_account(user):
            _approve(request, by=None, now=now)
    return request


def verify_url(request: PrivacyRequest) -> str:
    token = signing.dumps(str(request.public_id), salt=VERIFY_SALT)
    return settings.SITE_URL + reverse("privacy:request-verify", args=[token])


def request_verify(*, token: str) -> PrivacyRequest:
    """Confirm a guest's e-mail address from the signed link: the request now counts.
    Idempotent. Raises RequestError('invalid_token'|'expired_token')."""
    try:
        public_id = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE.total_seconds())
    except signing.SignatureExpired:
        raise RequestError("expired_token") from None
    except signing.BadSignature:
        raise RequestError("invalid_token") from None
    with transaction.atomic():
        request = PrivacyRequest.objects.select_for_update().filter(public_id=public_id).first()
        if request is None:
            raise RequestError("invalid_token")
        if request.status != Status.UNVERIFIED:
            return request
        now = timezone.now()
        request.verified_at = now
        _start_clock(request, now)
        request.save()
        audit_log(action="request.verified", obj=request, details={"type": request.type})
        _notify(request, "privacy_request_received")
    return request


def _lock(request: PrivacyRequest) -> PrivacyRequest:
    return PrivacyRequest.objects.select_for_update().get(pk=request.pk)


def request_extend(*, request: PrivacyRequest, by, reason: str) -> PrivacyRequest:
    """Extend the deadline by two months (Art. 12(3)) and tell the subject why. Only once,
    only before the first month ends, only with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise RequestError("reason_required", "Give the reason for the extension.")
    with transaction.atomic():
        request = _lock(request)
        if request.status not in (Status.RECEIVED, Status.APPROVED):
            raise RequestError("not_open", "Only an open request can be extended.")
        if request.extended_at is not None:
            raise RequestError("already_extended", "The deadline was already extended.")
        now = timezone.now()
        if now > request.due_at:
            raise RequestError("too_late", "The subject must be told before the month ends.")
        request.extended_at = now
        request.extension_reason = reason
        request.due_at = add_months(request.received_at, 1 + EXTENSION_MONTHS)
        request.save(update_fields=["extended_at", "extension_reason", "due_at"])
        audit_log(
            action="request.extended",
            actor=by,
            subject=request.subject_public_id,
            obj=request,
            details={"due_at": request.due_at.isoformat()},
        )
        _notify(request, "privacy_request_extended")
    return request


def _approve(request: PrivacyRequest, *, by, now: datetime) -> None:
    request.status = Status.APPROVED
    request.decided_at = now
    request.decided_by = by
    request.save(update_fields=["status", "decided_at", "decided_by"])
    audit_log(
        action="request.approved",
        actor=by,
        subject=request.subject_public_id,
        obj=request,
        details={"type": request.type, "automatic": by is None},
    )
    request_carry_out(request.pk)


def request_approve(*, request: PrivacyRequest, by) -> PrivacyRequest:
    """The DPO approves: the request is carried out by a task after commit."""
    with transaction.atomic():
        request = _lock(request)
        if request.status != Status.RECEIVED:
            raise RequestError("not_pending", "Only a received request can be approved.")
        _approve(request, by=by, now=timezone.now())
    return request


def request_reject(*, request: PrivacyRequest, by, reason: str) -> PrivacyRequest:
    """The DPO rejects with a reason the subject is told (and may complain to Datatilsynet)."""
    reason = (reason or "").strip()
    if not reason:
        raise RequestError("reason_required", "Give the reason for the rejection.")
    with transaction.atomic():
        request = _lock(request)
        if request.status not in (Status.UNVERIFIED, Status.RECEIVED):
            raise RequestError("not_pending", "Only a pending request can be rejected.")
        now = timezone.now()
        request.status = Status.REJECTED
        request.decided_at = now
        request.completed_at = now
        request.decided_by = by
        request.decision_reason = reason
        request.save()
        audit_log(
            action="request.rejected",
            actor=by,
            subject=request.subject_public_id,
            obj=request,
            details={"type": request.type},
        )
        _notify(request, "privacy_request_rejected")
    return request


def request_complete(
    *,
    request: PrivacyRequest,
    outcome: dict | None = None,
    notify: str = "",
    context: dict | None = None,
) -> PrivacyRequest:
    """Mark an approved request done; `notify` is the template to e-mail the subject."""
    with transaction.atomic():
        request = _lock(request)
        if request.status == Status.COMPLETED:
            return request
        request.status = Status.COMPLETED
        request.completed_at = timezone.now()
        request.outcome = {**request.outcome, **(outcome or {})}
        request.save()
        audit_log(
            action="request.completed",
            subject=request.subject_public_id,
            obj=request,
            details={"type": request.type},
        )
        if notify:
            _notify(request, notify, context)
    return request


def _flag(user) -> SubjectFlag:
    flag, _ = SubjectFlag.objects.select_for_update().get_or_create(user=user)
    return flag


def subject_restrict(*, user, by=None, restricted: bool = True) -> SubjectFlag:
    """Art. 18: while restricted, every optional processing is off (has_consent answers no,
    no marketing, no personalisation); only storage and legal claims remain."""
    with transaction.atomic():
        flag = _flag(user)
        flag.restricted_at = timezone.now() if restricted else None
        flag.save()
        audit_log(
            action="subject.restricted" if restricted else "subject.unrestricted",
            actor=by,
            subject=user,
        )
    return flag


def subject_object(*, user, by=None) -> SubjectFlag:
    """Art. 21: objection to processing on legitimate interest, incl. direct marketing and the
    automatic categorisation; honoured at once (marketing objection is absolute, 21(3))."""
    with transaction.atomic():
        flag = _flag(user)
        flag.objected_at = timezone.now()
        flag.save()
        audit_log(action="subject.objected", actor=by, subject=user)
    return flag


def subject_mark_minor(*, user, by) -> PrivacyRequest:
    """The policy (section 12): an account of someone under 18 is deactivated at once and
    erased. Creates an approved erasure request so the erasure runs through the usual path."""
    with transaction.atomic():
        flag = _flag(user)
        now = timezone.now()
        flag.minor_marked_at = now
        flag.save()
        type(user).objects.filter(pk=user.pk).update(is_active=False)
        audit_log(action="subject.marked_minor", actor=by, subject=user)
        request = PrivacyRequest(
            type=Type.ERASURE,
            channel=PrivacyRequest.Channel.MINOR,
            subject=user,
            subject_public_id=user.public_id,
            verified_at=now,
        )
        _start_clock(request, now)
        request.save()
        _approve(request, by=by, now=now)
    return request


def is_processing_restricted(user) -> bool:
    """True while the subject restricted processing (Art. 18) or objected (Art. 21)."""
    if user is None or getattr(user, "pk", None) is None:
        return False
    return (
        SubjectFlag.objects.filter(user=user)
        .filter(Q(restricted_at__isnull=False) | Q(objected_at__isnull=False))
        .exists()
    )


def requests_digest_send(*, now: datetime | None = None) -> int:
    """The DPO's daily digest: open requests, those due within 7 days and overdue ones.
    Idempotent per day. Returns the number of open requests listed."""
    from .request_selectors import requests_open_summary

    now = now or timezone.now()
    summary = requests_open_summary(now=now)
    if not summary["open"]:
        return 0
    with transaction.atomic():
        notice_send(
            template_key="privacy_dpo_digest",
            channel="email",
            idempotency_key=f"privacy-dpo-digest-{timezone.localdate(now).isoformat()}",
            to_address=settings.DPO_EMAIL,
            language=settings.LANGUAGE_CODE,
            context={**summary, "admin_url": settings.SITE_URL + "/admin/privacy/privacyrequest/"},
        )
    return len(summary["open"])
