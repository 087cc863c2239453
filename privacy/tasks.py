"""Privacy tasks. They take ids only, are idempotent, and retry only transient errors."""

import logging

from celery import shared_task
from django.contrib.auth import get_user_model

from .brevo import HTTP_TIMEOUT_SECONDS, brevo_configured, contacts_api, marketing_list_id
from .models import ConsentEvent, MarketingListSync
from .purposes import Purpose
from .selectors import has_consent

logger = logging.getLogger(__name__)


class BrevoUnavailable(Exception):
    """A transient Brevo failure (5xx, 429, network): worth retrying."""


def _brevo_sync(event: ConsentEvent, user, add: bool) -> MarketingListSync.Status:
    import sib_api_v3_sdk
    from sib_api_v3_sdk.rest import ApiException
    from urllib3.exceptions import HTTPError

    api = contacts_api()
    try:
        if add:
            api.create_contact(
                sib_api_v3_sdk.CreateContact(
                    email=user.email, list_ids=[marketing_list_id()], update_enabled=True
                ),
                _request_timeout=HTTP_TIMEOUT_SECONDS,
            )
        else:
            api.remove_contact_from_list(
                marketing_list_id(),
                sib_api_v3_sdk.RemoveContactFromList(emails=[user.email]),
                _request_timeout=HTTP_TIMEOUT_SECONDS,
            )
    except ApiException as exc:
        if exc.status in (429,) or (exc.status or 0) >= 500:
            raise BrevoUnavailable(str(exc.status)) from exc
        # Removing someone who is not on the list is the state we wanted.
        if not add and exc.status in (400, 404):
            return MarketingListSync.Status.DONE
        MarketingListSync.objects.create(
            consent_event_id=event.pk,
            user_public_id=user.public_id,
            action=MarketingListSync.Action.ADD if add else MarketingListSync.Action.REMOVE,
            status=MarketingListSync.Status.FAILED,
            error_code=f"http_{exc.status}",
        )
        logger.warning("brevo list sync failed", extra={"event": event.pk, "status": exc.status})
        return MarketingListSync.Status.FAILED
    except HTTPError as exc:
        raise BrevoUnavailable(type(exc).__name__) from exc
    return MarketingListSync.Status.DONE


@shared_task(
    autoretry_for=(BrevoUnavailable,),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=8,
)
def brevo_contact_sync(consent_event_id: int) -> str:
    """Mirror the user's CURRENT marketing e-mail consent to the Brevo list.

    Uses the current state, not the event's value, so retries and out-of-order delivery converge
    on the truth: a withdrawal is never undone by a late grant task.
    """
    event = ConsentEvent.objects.filter(pk=consent_event_id).first()
    if event is None or event.purpose != Purpose.MARKETING_EMAIL:
        return "ignored"
    user = get_user_model().objects.filter(public_id=event.subject_id).first()
    if user is None:
        return "ignored"
    add = has_consent(subject=user, purpose=Purpose.MARKETING_EMAIL) and user.is_active
    action = MarketingListSync.Action.ADD if add else MarketingListSync.Action.REMOVE
    if not user.email:
        status = MarketingListSync.Status.SKIPPED
    elif not brevo_configured():
        status = MarketingListSync.Status.CONSOLE
        logger.info("brevo list sync (console mode)", extra={"event": event.pk, "action": action})
    else:
        status = _brevo_sync(event, user, add)
        if status == MarketingListSync.Status.FAILED:
            return status
    MarketingListSync.objects.create(
        consent_event_id=event.pk, user_public_id=user.public_id, action=action, status=status
    )
    return status


@shared_task
def contact_messages_purge_task() -> int:
    """Kept so a queued or externally scheduled call still works: applies the DPO's rule
    `contact_messages`, which the nightly retention sweep applies anyway (no own schedule)."""
    from .services import contact_messages_purge

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
