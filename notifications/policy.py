"""Who may receive what, decided when a message is SENT (consent can change after queueing).

The consent ledger belongs to privacy/: this module only asks it, through
`privacy.selectors.has_consent` and `privacy.services.marketing_basis_for`.
"""

from dataclasses import dataclass

from .models import Message

# Booking messages that only make sense while the booking is still on, at its time.
BOOKING_BOUND_TEMPLATES = ("booking_reminder",)
# Mails Django/allauth send on the person's own request (notifications/backends.py).
ACCOUNT_TEMPLATES = ("django_email",)


@dataclass(frozen=True)
class SendDecision:
    allowed: bool
    reason: str = ""
    marketing_basis: str = ""


ALLOW = SendDecision(allowed=True)


def _has_consent(user, purpose: str) -> bool:
    from privacy.selectors import has_consent

    return has_consent(subject=user, purpose=purpose)


def _marketing_basis(user, channel: str) -> str:
    """'consent', 'existing_customer' (Marketing Act § 15) or '' (no basis: do not send)."""
    from privacy.services import marketing_basis_for

    purpose = "marketing_email" if channel == Message.Channel.EMAIL else "marketing_sms"
    basis = marketing_basis_for(user=user, purpose=purpose)
    if basis == "consent":
        return Message.MarketingBasis.CONSENT
    if basis == "existing_customer":
        return Message.MarketingBasis.EXISTING_CUSTOMER
    return ""


def _restricted(user) -> bool:
    from privacy.selectors import subject_restricted

    return subject_restricted(user)


def send_decision(message: Message) -> SendDecision:
    """May this message go out now? Suppression reasons are stable codes shown in the admin."""
    user = message.recipient
    if user is None:
        if not message.to_address:
            return SendDecision(False, "recipient_erased")
        # People without an account: contact-form replies and similar, never marketing.
        if message.purpose == Message.Purpose.MARKETING:
            return SendDecision(False, "no_marketing_basis")
        return ALLOW
    if not user.is_active:
        return SendDecision(False, "recipient_inactive")
    # Art. 18 restriction stops everything except the account mails the person asks for
    # themselves (password reset, address confirmation), which they need to manage it.
    if message.template_key not in ACCOUNT_TEMPLATES and _restricted(user):
        return SendDecision(False, "processing_restricted")

    booking = message.booking
    if message.template_key in BOOKING_BOUND_TEMPLATES and (
        booking is None or booking.status != booking.Status.CONFIRMED
    ):
        return SendDecision(False, "booking_not_confirmed")

    if message.channel == Message.Channel.SMS:
        if not user.phone:
            return SendDecision(False, "no_phone_number")
        if not user.phone_verified_at:
            # Only numbers proven by a one-time code get booking details (privacy policy).
            return SendDecision(False, "phone_not_verified")
        if message.purpose == Message.Purpose.TRANSACTIONAL and not _has_consent(
            user, "sms_notifications"
        ):
            return SendDecision(False, "no_sms_consent")
    elif not (message.to_address or user.email):
        return SendDecision(False, "no_email_address")

    if message.purpose == Message.Purpose.MARKETING:
        basis = _marketing_basis(user, message.channel)
        if not basis:
            return SendDecision(False, "no_marketing_basis")
        return SendDecision(True, marketing_basis=basis)
    # Booking e-mails are necessary for the contract: they go without a consent.
    return ALLOW
