"""Telling processors to forget a subject (GDPR Art. 17(2), 19), one tracked row each.

Each processor function returns a result dict or raises ProcessorUnavailable (transient: the
task retries with backoff) or ProcessorRefused (permanent: recorded for the DPO). Without
credentials a processor runs in console mode and records what it would have done. The app that
talks to a processor registers its function here from its personal_data.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core import checks
from django.db import transaction
from django.utils import timezone

from bookingtjeneste.providers import PermanentProviderError, TransientProviderError

from .models import ProcessorErasure

logger = logging.getLogger(__name__)


class ProcessorUnavailable(TransientProviderError):
    """Network error, 5xx, 429, or work still in flight: try again later."""


class ProcessorRefused(PermanentProviderError):
    """A permanent refusal (bad credentials, invalid request): a person must look at it."""


Eraser = Callable[[dict], dict]
ERASERS: dict[str, Eraser] = {}


def processor_eraser_register(processor: str, eraser: Eraser) -> Eraser:
    """Declare how to tell `processor` (a ProcessorErasure.Processor value) to forget someone:
    `eraser(target) -> result`, raising ProcessorUnavailable or ProcessorRefused. The app that
    talks to the processor registers it from its personal_data.py."""
    if processor not in ProcessorErasure.Processor.values:
        raise ValueError(f"Unknown processor: {processor!r}")
    ERASERS[processor] = eraser
    return eraser


@checks.register()
def check_processor_erasers(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every processor an erasure can be propagated to has an eraser registered."""
    return [
        checks.Warning(
            f"No processor eraser is registered for {processor!r}: erasures will not be "
            "propagated to it.",
            hint="Register one with privacy.propagation.processor_eraser_register() in the "
            "personal_data.py of the app that talks to that processor.",
            id="privacy.W101",
        )
        for processor in ProcessorErasure.Processor.values
        if processor not in ERASERS
    ]


def processor_erasure_execute(*, propagation_id: int) -> str:
    """Run one propagation. Raises ProcessorUnavailable to be retried; idempotent."""
    propagation = ProcessorErasure.objects.filter(pk=propagation_id).first()
    if propagation is None or propagation.status in (
        ProcessorErasure.Status.DONE,
        ProcessorErasure.Status.CONSOLE,
    ):
        return "skipped"
    ProcessorErasure.objects.filter(pk=propagation.pk).update(attempts=propagation.attempts + 1)
    handler = ERASERS[propagation.processor]
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
    """Pending propagations whose task was lost or gave up: hand them to the task again.
    Runs in the hourly task, outside a transaction, so each is queued at once."""
    from .publish import processor_erasure_send

    ids = list(
        ProcessorErasure.objects.filter(status=ProcessorErasure.Status.PENDING).values_list(
            "pk", flat=True
        )[:500]
    )
    for propagation_id in ids:
        processor_erasure_send(propagation_id)
    return ids


def processor_erasures_retry(*, propagation_ids: list[int], actor) -> list[int]:
    """The DPO's "try again": reset unfinished propagations and queue them after commit."""
    from .audit import audit_log
    from .publish import processor_erasure_send

    unfinished = ProcessorErasure.objects.filter(pk__in=propagation_ids).exclude(
        status=ProcessorErasure.Status.DONE
    )
    ids = list(unfinished.values_list("pk", flat=True))
    with transaction.atomic():
        ProcessorErasure.objects.filter(pk__in=ids).update(status=ProcessorErasure.Status.PENDING)
        for propagation_id in ids:
            processor_erasure_send(propagation_id)
        audit_log(action="erasure.processor_retry", actor=actor, details={"ids": ids})
    return ids
