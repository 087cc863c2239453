"""Marketing Act §15: on what basis may we send marketing, and the one-click unsubscribe."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from .. import hooks
from ..models import ConsentEvent, MarketingBasis, MarketingChannel, MarketingChoiceOffer
from ..purposes import MARKETING_PURPOSES, Purpose
from ..selectors import consent_event_latest, has_consent, subject_restricted
from .consent import consent_set

CHANNEL_PURPOSE = {
    MarketingChannel.EMAIL.value: Purpose.MARKETING_EMAIL.value,
    MarketingChannel.SMS.value: Purpose.MARKETING_SMS.value,
}
UNSUBSCRIBE_SALT = "privacy.unsubscribe"


def _is_existing_customer(user) -> bool:
    """An active customer relationship: a booking that went ahead within the configured period.

    Only our own similar services are marketed under the exception; that is a rule for the
    campaign content, decided by the person who writes it, not by this check.
    """
    since = timezone.now() - timedelta(days=settings.MARKETING_EXISTING_CUSTOMER_DAYS)
    # The bookings app answers (a booking confirmed or completed that started since then).
    return any(check(user, since) for check in hooks.existing_customer_checks)


def marketing_choice_offered(*, user, source: str) -> MarketingChoiceOffer:
    """Record that a page showed `user` the refusal of marketing e-mail (first time kept).

    Call when rendering the choice (sign-up, privacy centre, profile). Idempotent.
    """
    if source not in MarketingChoiceOffer.Source.values:
        raise ValueError(f"Unknown offer source: {source!r}")
    offer, _created = MarketingChoiceOffer.objects.get_or_create(
        user=user, defaults={"source": source}
    )
    return offer


def _refusal_offered(user) -> bool:
    return MarketingChoiceOffer.objects.filter(user=user).exists()


def marketing_basis_for(*, user, channel: str | None = None, purpose: str | None = None) -> str:
    """The basis for sending `user` marketing on a channel: 'consent', 'existing_customer' or
    'none'. Pass `channel` ('email'|'sms') or the matching `purpose` (marketing_email|sms).

    - Nobody who has not confirmed being 18+ gets marketing (policy section 12): a phone-booked
      account never did.
    - Consent first (restricted or objecting subjects have none: `has_consent` says no).
    - SMS: consent only. A number we hold was given for one-time codes or booking SMS; the
      §15 exception is not used for it (no refusal was offered when it was collected).
    - E-mail without consent: the existing-customer exception, only while the person has been
      offered the refusal (MarketingChoiceOffer) and has never said no to e-mail marketing.
    Inactive users get 'none'.
    """
    if purpose is None:
        if channel not in CHANNEL_PURPOSE:
            raise ValueError(f"Unknown marketing channel: {channel!r}")
        purpose = CHANNEL_PURPOSE[channel]
    if purpose not in MARKETING_PURPOSES:
        raise ValueError(f"Not a marketing purpose: {purpose!r}")
    if user is None or not user.is_active or user.age_confirmed_at is None:
        return MarketingBasis.NONE
    if has_consent(subject=user, purpose=purpose):
        return MarketingBasis.CONSENT
    if purpose != Purpose.MARKETING_EMAIL or subject_restricted(user):
        return MarketingBasis.NONE
    latest = consent_event_latest(subject=user, purpose=purpose)
    if latest is not None and not latest.granted:
        return MarketingBasis.NONE
    if not _refusal_offered(user):
        return MarketingBasis.NONE
    return MarketingBasis.EXISTING_CUSTOMER if _is_existing_customer(user) else MarketingBasis.NONE


def unsubscribe_token_for(*, user, purpose: str) -> str:
    """A signed, non-expiring token naming the user (public_id) and purpose: no e-mail in it."""
    if purpose not in MARKETING_PURPOSES:
        raise ValueError(f"Not a marketing purpose: {purpose!r}")
    return signing.dumps({"u": str(user.public_id), "p": purpose}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url_for(*, user, purpose: str = Purpose.MARKETING_EMAIL) -> str:
    """The absolute one-click unsubscribe URL (RFC 8058) for List-Unsubscribe headers/footers."""
    token = unsubscribe_token_for(user=user, purpose=purpose)
    return settings.SITE_URL + reverse("privacy:unsubscribe", kwargs={"token": token})


class InvalidUnsubscribeToken(ValueError):
    pass


def unsubscribe_token_read(*, token: str):
    """(user, purpose) from a token; raises InvalidUnsubscribeToken for forged/unknown ones."""
    from django.contrib.auth import get_user_model

    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature as exc:
        raise InvalidUnsubscribeToken("bad signature") from exc
    if not isinstance(data, dict) or data.get("p") not in MARKETING_PURPOSES:
        raise InvalidUnsubscribeToken("bad payload")
    user = get_user_model().objects.filter(public_id=data.get("u")).first()
    if user is None:
        raise InvalidUnsubscribeToken("unknown subject")
    return user, data["p"]


def marketing_unsubscribe(*, token: str, request=None) -> ConsentEvent:
    """Withdraw the marketing consent a signed token names (source email_unsubscribe).

    Raises InvalidUnsubscribeToken (nothing written) for a forged or unknown token. A repeated
    click records another withdrawal, which is harmless and shows the person asked again.
    """
    user, purpose = unsubscribe_token_read(token=token)
    return consent_set(
        subject=user,
        purpose=purpose,
        granted=False,
        source=ConsentEvent.Source.EMAIL_UNSUBSCRIBE,
        request=request,
    )
