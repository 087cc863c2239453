"""The cookie banner's choice, written to the ledger for the visitor (or the logged-in user)."""

import uuid

from django.db import transaction

from ..consent_context import consent_id_from
from ..models import ConsentEvent
from ..purposes import COOKIE_PURPOSES
from ..selectors import privacy_signal_refuses
from .consent import consent_set


def cookie_choice_record(*, request, granted: set[str]) -> uuid.UUID | None:
    """Record one banner decision: every cookie purpose granted or refused, in one transaction.

    The subject is the logged-in user, else the visitor's consent id (a new random one when the
    browser has none). Global Privacy Control / Do Not Track turn every grant into a refusal.
    Returns the consent id the response must (re)set as a cookie, or None for a user.
    """
    refuse_all = privacy_signal_refuses(request=request)
    user = getattr(request, "user", None)
    consent_id = None
    if user is not None and user.is_authenticated:
        subject = user
    else:
        consent_id = consent_id_from(request) or uuid.uuid4()
        subject = consent_id
    with transaction.atomic():
        for purpose in COOKIE_PURPOSES:
            consent_set(
                subject=subject,
                purpose=purpose,
                granted=purpose in granted and not refuse_all,
                source=ConsentEvent.Source.BANNER,
                request=request,
            )
    return consent_id
