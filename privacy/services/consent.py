"""Consent ledger writes: append a choice, link an anonymous consent id to a user."""

import ipaddress
import logging
import re
import uuid

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from bookingtjeneste.client_ip import client_ip

from ..models import ConsentEvent, ConsentSubjectLink
from ..purposes import MARKETING_PURPOSES, Purpose
from ..selectors import policy_version_current, purpose_text_current
from ..signals import marketing_consent_recorded

logger = logging.getLogger(__name__)


# The Brevo webhook handler records unsubscribes/complaints with source "email": the same thing.
SOURCE_ALIASES = {"email": ConsentEvent.Source.EMAIL_UNSUBSCRIBE.value}


class ConsentConfigurationError(RuntimeError):
    """No published policy or purpose text: consent cannot be proven, so it is not recorded."""


class ConsentWordingChanged(ValueError):
    """A yes to a version of the purpose's wording that is no longer in force: nothing is
    recorded, the person must be shown the current text (GDPR Art. 7(1))."""


def ip_truncate(address: str | None) -> str:
    """Keep only the network part: /24 for IPv4, /48 for IPv6 (enough for abuse evidence,
    not enough to single out a household)."""
    if not address:
        return ""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


# (token in the user agent, family shown); order matters: Edge and Opera also say "Chrome",
# Chrome also says "Safari". Safari's own version is in "Version/".
_BROWSERS = (
    ("Edg", "Edge"),
    ("OPR", "Opera"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chrome", "Chrome"),
    ("Version", "Safari"),
)
_PLATFORMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def user_agent_truncate(user_agent: str | None) -> str:
    """Browser family, major version and platform only, e.g. "Chrome 120 (Linux)".

    Data minimisation (GDPR Art. 5(1)(c)): that is enough to show how a choice was made (which
    browser the banner ran in) without the build numbers and device model that, with the
    truncated IP, help single a person out. Anything unrecognised is stored as "other".
    """
    agent = (user_agent or "")[:512]
    if not agent.strip():
        return ""
    browser = ""
    for token, family in _BROWSERS:
        found = re.search(rf"\b{token}/(\d+)", agent)
        if found and (token != "Version" or "Safari/" in agent):
            browser = f"{family} {found.group(1)}"
            break
    if not browser:
        return "other"
    platform = next((name for token, name in _PLATFORMS if token in agent), "other")
    return f"{browser} ({platform})"


def _subject_key(subject: object) -> tuple[str, uuid.UUID]:
    if isinstance(subject, get_user_model()):
        if subject.pk is None:
            raise ValueError("Consent subject user is not saved.")
        return ConsentEvent.SubjectType.USER, subject.public_id
    try:
        return ConsentEvent.SubjectType.ANONYMOUS, uuid.UUID(str(subject))
    except ValueError as exc:
        raise ValueError("Consent subject must be a User or a consent id (UUID).") from exc


def consent_set(
    *,
    subject: object,
    purpose: str,
    granted: bool,
    source: str,
    request=None,
    shown_text_version: int | None = None,
) -> ConsentEvent:
    """Append one choice to the consent ledger and return the new event.

    `subject` is a saved User or an anonymous consent id (UUID or its string). The event records
    the policy version in force and the current purpose text (what the person saw), the source,
    and a truncated IP and user agent from `request` when given. With `shown_text_version` (the
    wording version the person was shown), a yes to a version no longer in force raises
    ConsentWordingChanged. Raises ValueError for an unknown purpose or source. Safe inside or
    outside a transaction: side effects (the Brevo contact-list sync for marketing e-mail) are
    queued on commit.
    """
    if purpose not in Purpose.values:
        raise ValueError(f"Unknown consent purpose: {purpose!r}")
    source = SOURCE_ALIASES.get(source, source)
    if source not in ConsentEvent.Source.values:
        raise ValueError(f"Unknown consent source: {source!r}")
    subject_type, subject_id = _subject_key(subject)
    policy = policy_version_current()
    text = purpose_text_current(purpose=purpose)
    if policy is None or text is None:
        from ..reference_data import reference_data_ensure

        reference_data_ensure()
        policy = policy_version_current()
        text = purpose_text_current(purpose=purpose)
    if policy is None or text is None:
        raise ConsentConfigurationError("No published policy version or purpose text.")
    if granted and shown_text_version is not None and shown_text_version != text.version:
        raise ConsentWordingChanged(purpose)  # a withdrawal is never refused
    meta = request.META if request is not None else {}
    with transaction.atomic():
        event = ConsentEvent.objects.create(
            subject_type=subject_type,
            subject_id=subject_id,
            purpose=purpose,
            granted=bool(granted),
            policy_version=policy,
            purpose_text=text,
            source=source,
            ip_truncated=ip_truncate(client_ip(request) if request is not None else ""),
            user_agent=user_agent_truncate(meta.get("HTTP_USER_AGENT")),
        )
        if purpose in MARKETING_PURPOSES and subject_type == ConsentEvent.SubjectType.USER:
            # Notifications keeps the Brevo marketing list in step, after commit.
            marketing_consent_recorded.send(sender=ConsentEvent, event=event)
    logger.info(
        "consent recorded",
        extra={"purpose": purpose, "granted": event.granted, "source": source, "event": event.pk},
    )
    return event


def consent_subject_link(*, user, consent_id: object) -> ConsentSubjectLink | None:
    """Link an anonymous consent id to the user who just logged in (idempotent).

    An id already linked to another user stays with them (a shared computer must not hand one
    person's choices to the next); returns None then, or when the id is not a UUID.
    """
    try:
        consent_uuid = uuid.UUID(str(consent_id))
    except ValueError:
        return None
    existing = ConsentSubjectLink.objects.filter(consent_id=consent_uuid).first()
    if existing is not None:
        return existing if existing.user_public_id == user.public_id else None
    try:
        with transaction.atomic():
            return ConsentSubjectLink.objects.create(
                consent_id=consent_uuid, user_public_id=user.public_id
            )
    except IntegrityError:
        return ConsentSubjectLink.objects.filter(
            consent_id=consent_uuid, user_public_id=user.public_id
        ).first()


def consent_withdraw_for_person(*, subject, purposes: list[str], actor) -> list[ConsentEvent]:
    """Record a withdrawal the person sent by e-mail, letter or phone, entered by the DPO.

    One ledger event per purpose (source "admin") and one audit entry naming the purposes,
    together or not at all. Raises ValueError for an unknown purpose before anything is written.
    """
    from ..audit import audit_log

    unknown = set(purposes) - set(Purpose.values)
    if unknown:
        raise ValueError(f"Unknown consent purposes: {sorted(unknown)!r}")
    with transaction.atomic():
        events = [
            consent_set(subject=subject, purpose=purpose, granted=False, source="admin")
            for purpose in purposes
        ]
        audit_log(
            action="consent_withdrawn_for_person",
            actor=actor,
            subject=subject,
            details={"purposes": sorted(purposes)},
        )
    return events
