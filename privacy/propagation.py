"""Telling processors to forget a subject (GDPR Art. 17(2), 19), one tracked row each.

Each processor function returns a result dict or raises ProcessorUnavailable (transient: the
task retries with backoff) or ProcessorRefused (permanent: recorded for the DPO). Without
credentials a processor runs in console mode and records what it would have done.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import ProcessorErasure

logger = logging.getLogger(__name__)


class ProcessorUnavailable(Exception):
    """Network error, 5xx, 429, or work still in flight: try again later."""


class ProcessorRefused(Exception):
    """A permanent refusal (bad credentials, invalid request): a person must look at it."""


def _brevo(target: dict) -> dict:
    from sib_api_v3_sdk.rest import ApiException
    from urllib3.exceptions import HTTPError

    from .brevo import brevo_configured, contacts_api

    emails = target.get("emails", [])
    if not brevo_configured():
        return {"console": True, "contacts": len(emails)}
    api = contacts_api()
    deleted = 0
    for email in emails:
        try:
            api.delete_contact(email)
            deleted += 1
        except ApiException as exc:
            if exc.status == 404:  # not a contact: already the state we want
                continue
            if exc.status == 429 or (exc.status or 0) >= 500:
                raise ProcessorUnavailable(f"brevo_http_{exc.status}") from exc
            raise ProcessorRefused(f"brevo_http_{exc.status}") from exc
        except HTTPError as exc:
            raise ProcessorUnavailable(f"brevo_{type(exc).__name__}") from exc
    return {"contacts_deleted": deleted}


def _stripe(target: dict) -> dict:
    import stripe

    emails = target.get("emails", [])
    if not settings.STRIPE_SECRET_KEY:
        return {"console": True, "emails": len(emails)}
    base = {"api": settings.STRIPE_API_URL} if settings.STRIPE_API_URL else None
    client = stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses=base, max_network_retries=0
    )
    deleted = 0
    try:
        for email in emails:
            customers = client.v1.customers.list(params={"email": email, "limit": 100})
            for customer in customers.data:
                try:
                    client.v1.customers.delete(customer.id)
                    deleted += 1
                except stripe.InvalidRequestError as error:
                    if error.http_status != 404:
                        raise
    except (stripe.APIConnectionError, stripe.RateLimitError) as error:
        raise ProcessorUnavailable(f"stripe_{type(error).__name__}") from error
    except stripe.StripeError as error:
        if (error.http_status or 0) >= 500:
            raise ProcessorUnavailable(f"stripe_http_{error.http_status}") from error
        raise ProcessorRefused(f"stripe_http_{error.http_status}") from error
    return {"customers_deleted": deleted}


def _twilio(target: dict) -> dict:
    from twilio.base.exceptions import TwilioException, TwilioRestException

    sids = target.get("message_sids", [])
    if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
        return {"console": True, "messages": len(sids)}
    from notifications.gateways.twilio_client import twilio_client

    client = twilio_client()
    deleted = 0
    for sid in sids:
        try:
            client.messages(sid).delete()
            deleted += 1
        except TwilioRestException as exc:
            if exc.status == 404:
                continue
            if exc.status == 429 or exc.status >= 500:
                raise ProcessorUnavailable(f"twilio_http_{exc.status}") from exc
            # Twilio refuses to delete a message still in flight; it is retried later.
            if exc.status == 409 or exc.code == 20009:
                raise ProcessorUnavailable("twilio_in_flight") from exc
            raise ProcessorRefused(f"twilio_http_{exc.status}") from exc
        except TwilioException as exc:
            raise ProcessorUnavailable(f"twilio_{type(exc).__name__}") from exc
    return {"messages_deleted": deleted}


def _google_calendar(target: dict) -> dict:
    # The calendar outbox (calendars app) pushes the scrub itself, tracked and retried; this
    # row waits until every mirror of the person is in sync with Google.
    from calendars.models import EventMirror

    mirror_ids = target.get("mirror_ids", [])
    states = list(EventMirror.objects.filter(pk__in=mirror_ids).values_list("state", flat=True))
    if any(state == EventMirror.State.FAILED for state in states):
        raise ProcessorRefused("calendar_push_failed")
    if any(state != EventMirror.State.SYNCED for state in states):
        raise ProcessorUnavailable("calendar_push_pending")
    return {"events_scrubbed": len(states)}


HANDLERS = {
    ProcessorErasure.Processor.BREVO: _brevo,
    ProcessorErasure.Processor.STRIPE: _stripe,
    ProcessorErasure.Processor.TWILIO: _twilio,
    ProcessorErasure.Processor.GOOGLE_CALENDAR: _google_calendar,
}


def processor_erasure_execute(*, propagation_id: int) -> str:
    """Run one propagation. Raises ProcessorUnavailable to be retried; idempotent."""
    propagation = ProcessorErasure.objects.filter(pk=propagation_id).first()
    if propagation is None or propagation.status in (
        ProcessorErasure.Status.DONE,
        ProcessorErasure.Status.CONSOLE,
    ):
        return "skipped"
    ProcessorErasure.objects.filter(pk=propagation.pk).update(attempts=propagation.attempts + 1)
    handler = HANDLERS[propagation.processor]
    try:
        result = handler(propagation.target)
    except ProcessorUnavailable as error:
        ProcessorErasure.objects.filter(pk=propagation.pk).update(last_error=str(error)[:200])
        raise
    except ProcessorRefused as error:
        ProcessorErasure.objects.filter(pk=propagation.pk).update(
            status=ProcessorErasure.Status.FAILED, last_error=str(error)[:200]
        )
        logger.warning("processor erasure refused", extra={"propagation": propagation.pk})
        return ProcessorErasure.Status.FAILED
    status = (
        ProcessorErasure.Status.CONSOLE if result.get("console") else ProcessorErasure.Status.DONE
    )
    with transaction.atomic():
        # What the processor knew the person by is no longer needed: empty it.
        ProcessorErasure.objects.filter(pk=propagation.pk).update(
            status=status, target={}, result=result, last_error="", completed_at=timezone.now()
        )
        from .audit import audit_log

        audit_log(
            action="erasure.processor_done",
            subject=propagation.subject_public_id,
            obj=propagation,
            details={"processor": propagation.processor, "status": status},
        )
    return status


def processor_erasures_retry_due() -> list[int]:
    """Pending propagations whose task was lost or gave up: hand them to the task again."""
    from .desk_tasks import processor_erasure_run

    ids = list(
        ProcessorErasure.objects.filter(status=ProcessorErasure.Status.PENDING).values_list(
            "pk", flat=True
        )[:500]
    )
    for propagation_id in ids:
        processor_erasure_run.delay(propagation_id)
    return ids


def processor_erasures_retry(*, propagation_ids: list[int], actor) -> list[int]:
    """The DPO's "try again": reset unfinished propagations and queue them after commit."""
    from .audit import audit_log
    from .desk_tasks import processor_erasure_run

    unfinished = ProcessorErasure.objects.filter(pk__in=propagation_ids).exclude(
        status=ProcessorErasure.Status.DONE
    )
    ids = list(unfinished.values_list("pk", flat=True))
    with transaction.atomic():
        ProcessorErasure.objects.filter(pk__in=ids).update(status=ProcessorErasure.Status.PENDING)
        for propagation_id in ids:
            processor_erasure_run.delay_on_commit(propagation_id)
        audit_log(action="erasure.processor_retry", actor=actor, details={"ids": ids})
    return ids
