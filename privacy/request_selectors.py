"""Reads for the request desk."""

from datetime import datetime

from django.utils import timezone

from .models import PrivacyRequest

DUE_SOON_DAYS = 7


def request_urgency(request: PrivacyRequest, *, now: datetime | None = None) -> str:
    """'overdue', 'due_soon' (≤ 7 days), 'ok', or '' for closed/unverified requests."""
    if request.status not in (PrivacyRequest.Status.RECEIVED, PrivacyRequest.Status.APPROVED):
        return ""
    now = now or timezone.now()
    if request.due_at is None:
        return ""
    if request.due_at < now:
        return "overdue"
    if (request.due_at - now).days < DUE_SOON_DAYS:
        return "due_soon"
    return "ok"


def requests_open_summary(*, now: datetime | None = None) -> dict:
    """Open requests (counting ones) with their urgency, for the admin and the DPO digest."""
    now = now or timezone.now()
    open_requests = list(
        PrivacyRequest.objects.filter(
            status__in=(PrivacyRequest.Status.RECEIVED, PrivacyRequest.Status.APPROVED)
        ).order_by("due_at", "pk")
    )
    rows = [
        {
            "id": r.pk,
            "type": r.type,
            "status": r.status,
            "received_at": r.received_at,
            "due_at": r.due_at,
            "urgency": request_urgency(r, now=now),
        }
        for r in open_requests
    ]
    return {
        "open": rows,
        "overdue": [r for r in rows if r["urgency"] == "overdue"],
        "due_soon": [r for r in rows if r["urgency"] == "due_soon"],
        "now": now,
    }


def request_for_user(*, user, request_id: int) -> PrivacyRequest | None:
    return PrivacyRequest.objects.filter(pk=request_id, subject=user).first()
