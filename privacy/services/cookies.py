"""The cookie banner's choice, written to the ledger for the visitor (or the logged-in user)."""

import ipaddress
import re
import uuid

from django.db import transaction

from ..consent_context import consent_id_from
from ..models import ConsentEvent
from ..purposes import COOKIE_PURPOSES, Purpose
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


# Cookies the tags set in our own domain's jar, by the purpose that allowed them (see
# cookie_register.py). static/js/consent.js has the same list for the browser side.
TRACKING_COOKIES: dict[str, re.Pattern] = {
    Purpose.ANALYTICS_COOKIES.value: re.compile(r"^(_ga|_ga_[A-Za-z0-9]+|_gid|_gat(_.+)?)$"),
    Purpose.ADVERTISING_COOKIES.value: re.compile(r"^(_gcl_[a-z]+|_fbp|_fbc|_ttp|_scid.*)$"),
}


def tracking_cookies_to_expire(*, cookie_names: object, granted: set[str]) -> list[str]:
    """Names among the browser's cookies that belong to a cookie purpose not granted now."""
    return sorted(
        name
        for name in cookie_names
        for purpose, pattern in TRACKING_COOKIES.items()
        if purpose not in granted and pattern.match(name)
    )


def cookie_domains(host: str) -> list[str | None]:
    """Where such a cookie can live for this host: host-only (None), the host, and each parent
    domain of two labels or more (gtag.js and the pixel use the highest one they can set).
    Browsers ignore a Domain that is a public suffix, so trying one does no harm."""
    host = host.rsplit(":", 1)[0].strip("[]").lower() if host else ""
    try:
        ipaddress.ip_address(host)
        return [None]
    except ValueError:
        pass
    labels = host.split(".")
    return [None] + [".".join(labels[i:]) for i in range(len(labels) - 1)]
