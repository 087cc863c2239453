"""Request-desk tasks: request processing, erasure propagation, retention sweep, DPO digest.

Registered under `privacy.tasks.*` names (the beat schedule refers to them) but kept in their
own module; PrivacyConfig.ready() imports it. They take ids only and are idempotent.
"""

from celery import shared_task

from .propagation import ProcessorUnavailable


@shared_task(name="privacy.tasks.privacy_request_process")
def privacy_request_process(request_id: int) -> str:
    """Carry out an approved request (export, erasure, restriction, objection). Idempotent:
    only an approved request is processed, and each step checks what is already done."""
    from .models import PrivacyRequest

    request = PrivacyRequest.objects.select_related("subject").filter(pk=request_id).first()
    if request is None or request.status != PrivacyRequest.Status.APPROVED:
        return "skipped"
    from .request_desk import request_complete, subject_object, subject_restrict

    Type = PrivacyRequest.Type
    if request.type == Type.ACCESS:
        from .export import export_build

        export_build(request=request)
    elif request.type == Type.ERASURE:
        from .erasure import request_erase

        request_erase(request=request)
    elif request.type == Type.RESTRICTION and request.subject is not None:
        subject_restrict(user=request.subject, by=request.decided_by)
        request_complete(request=request, notify="privacy_request_done")
    elif request.type == Type.OBJECTION and request.subject is not None:
        subject_object(user=request.subject, by=request.decided_by)
        request_complete(request=request, notify="privacy_request_done")
    else:
        # Rectification (and guests' restriction/objection): the DPO corrects the data by hand
        # (admin) before approving; approval records that it was done.
        request_complete(request=request, notify="privacy_request_done")
    return request.type


@shared_task(
    name="privacy.tasks.processor_erasure_run",
    autoretry_for=(ProcessorUnavailable,),
    retry_backoff=60,
    retry_backoff_max=6 * 3600,
    retry_jitter=True,
    max_retries=20,
)
def processor_erasure_run(propagation_id: int) -> str:
    """Tell one processor to forget a subject; transient failures retry with backoff. Rows
    still pending after the retries are picked up by `privacy_propagation_resume`."""
    from .propagation import processor_erasure_execute

    return processor_erasure_execute(propagation_id=propagation_id)


@shared_task(name="privacy.tasks.run_retention_sweep")
def run_retention_sweep() -> dict:
    """Nightly (CELERY_BEAT_SCHEDULE): apply every retention rule as of now."""
    from .retention import retention_sweep

    return retention_sweep().counts


@shared_task(name="privacy.tasks.privacy_dpo_digest")
def privacy_dpo_digest() -> int:
    """Daily: e-mail the DPO the open requests, those due within 7 days and overdue ones."""
    from .request_desk import requests_digest_send

    return requests_digest_send()


@shared_task(name="privacy.tasks.privacy_propagation_resume")
def privacy_propagation_resume() -> int:
    """Hourly safety net: re-dispatch processor erasures whose task was lost or gave up, and
    approved requests still not carried out after 30 minutes (a worker died mid-way; every
    step is idempotent, so running it again finishes the job); blank the address of erasure
    confirmations that went out later than the erasure (a provider retry)."""
    from datetime import timedelta

    from django.utils import timezone

    from .models import PrivacyRequest
    from .propagation import processor_erasures_retry_due

    stuck = list(
        PrivacyRequest.objects.filter(
            status=PrivacyRequest.Status.APPROVED,
            decided_at__lt=timezone.now() - timedelta(minutes=30),
        ).values_list("pk", flat=True)[:100]
    )
    for request_id in stuck:
        privacy_request_process.delay(request_id)
    # Erasure confirmations the erasure could not send itself: blank them once they are out.
    from .erasure import erasure_confirmations_scrub

    erasure_confirmations_scrub()
    return len(processor_erasures_retry_due()) + len(stuck)
