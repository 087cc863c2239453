"""Privacy tasks. They take ids only, are idempotent, and retry only transient errors."""

from celery import shared_task


@shared_task
def contact_messages_purge_task() -> int:
    """Kept so a queued or externally scheduled call still works: applies the DPO's rule
    `contact_messages`, which the nightly retention sweep applies anyway (no own schedule)."""
    from .retention import contact_messages_purge

    return contact_messages_purge()


@shared_task
def policy_change_notify(policy_version_id: int) -> int:
    """E-mail every active user about a material policy change, batch by batch (resumable)."""
    from .models import PolicyVersion
    from .services import policy_change_notify_batch

    version = PolicyVersion.objects.filter(pk=policy_version_id).first()
    if version is None:
        return 0
    total = 0
    while covered := policy_change_notify_batch(version=version):
        total += covered
    return total


@shared_task
def policy_change_notify_pending() -> None:
    """Periodic safety net: resume any material-change notification that did not finish."""
    from .services.policy import policy_versions_pending_notification

    for version_id in policy_versions_pending_notification():
        policy_change_notify.delay(version_id)


@shared_task
def audit_checkpoint_task() -> int | None:
    """Sign the audit trail's head (Celery beat, hourly); the id of the new checkpoint, if any."""
    from .audit import audit_checkpoint

    checkpoint = audit_checkpoint()
    return checkpoint.pk if checkpoint else None
