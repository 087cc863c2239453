"""The Brevo contact list that mirrors marketing e-mail consent (Marketing Act §15, GDPR Art. 7(3)).

Privacy records consent and announces each marketing choice (privacy.signals); this module keeps
the list in step through the Brevo adapter and writes privacy's MarketingListSync rows, so a
DPO sees every attempt. Without BREVO_API_KEY it runs in console mode: it records what it would do.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model

from bookingtjeneste.providers import PermanentProviderError
from privacy.models import ConsentEvent, MarketingListSync
from privacy.purposes import Purpose
from privacy.selectors import has_consent

from ..gateways.brevo import brevo_configured, brevo_contact_upsert, brevo_list_remove

logger = logging.getLogger(__name__)


def _marketing_list_id() -> int:
    return int(settings.BREVO_MARKETING_LIST_ID)


def _brevo_sync(event: ConsentEvent, user, add: bool) -> MarketingListSync.Status:
    # TransientProviderError (network, 429, 5xx) propagates: the task retries with backoff.
    try:
        if add:
            brevo_contact_upsert(user.email, list_id=_marketing_list_id())
        else:
            # False (not on the list) is the state we wanted: done all the same.
            brevo_list_remove(user.email, list_id=_marketing_list_id())
    except PermanentProviderError as error:
        MarketingListSync.objects.create(
            consent_event_id=event.pk,
            user_public_id=user.public_id,
            action=MarketingListSync.Action.ADD if add else MarketingListSync.Action.REMOVE,
            status=MarketingListSync.Status.FAILED,
            error_code=error.code,
        )
        logger.warning("brevo list sync failed", extra={"event": event.pk, "status": error.code})
        return MarketingListSync.Status.FAILED
    return MarketingListSync.Status.DONE


def marketing_list_sync(*, consent_event_id: int) -> str:
    """Mirror the user's CURRENT marketing e-mail consent to the Brevo list; the status recorded.

    Uses the current state, not the event's value, so retries and out-of-order delivery converge
    on the truth: a withdrawal is never undone by a late grant task. Raises
    TransientProviderError when Brevo cannot be reached (the caller retries).
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
