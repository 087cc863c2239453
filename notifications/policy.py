"""Who may receive what, decided when a message is SENT (consent can change after queueing).

The consent ledger belongs to privacy/: this module only asks it, through
`privacy.selectors.has_consent` and `privacy.services.marketing_basis_for`.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from .models import Message

# Booking messages that only make sense while the booking is still on, at its time.
BOOKING_BOUND_TEMPLATES = ("booking_reminder",)
# The notice before an inactive record is deleted (privacy/retention.py), by SMS for a customer
# booked by phone who gave no e-mail address. It needs neither the sms_notifications consent
# nor a number verified by a one-time code, decided per the privacy policy:
# - It is not marketing and not the optional "SMS notifications" service (section 10: booking
#   confirmations, reminders and booking-process information, on consent). It is a
#   "service-related message necessary for the administration ... of your account", which
#   section 13 says we send also to someone who opted out, and the promise of section 11 (no
#   data kept longer than needed) is kept by deleting after that notice. Its basis is the
#   storage-limitation duty and the person's interest in keeping the record, not consent, so a
#   refused or withdrawn sms_notifications must not silence the one warning before deletion.
# - Verification guards booking details (section 10: Twilio gets "your mobile number and
#   relevant booking details"). The notice carries none: no name, no supplier, no booking, only
#   that a record with this number will be deleted, sent to the number the person gave for
#   their booking. Without it the record would be deleted with no warning at all.
NECESSARY_SMS_NOTICE_TEMPLATES = ("privacy_inactivity_warning",)


@dataclass(frozen=True)
class SendDecision:
    allowed: bool
    reason: str = ""
    marketing_basis: str = ""


ALLOW = SendDecision(allowed=True)


def _has_consent(user, purpose: str, *, honour_restriction: bool = True) -> bool:
    from privacy.selectors import has_consent

    return has_consent(subject=user, purpose=purpose, honour_restriction=honour_restriction)


def _sms_consent(user, prefetched: Mapping[int, bool] | None) -> bool:
    # Booking SMS rest on the consent itself, which Art. 18(2) leaves standing (see below).
    if prefetched is not None and user.pk in prefetched:
        return prefetched[user.pk]
    return _has_consent(user, "sms_notifications", honour_restriction=False)


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


def send_decision(
    message: Message, *, sms_consents: Mapping[int, bool] | None = None
) -> SendDecision:
    """May this message go out now? Suppression reasons are stable codes shown in the admin.

    `sms_consents`: the sms_notifications answers a batch sender read for its recipients at
    once (`privacy.selectors.consents_for_users`, restriction not honoured), by user pk; a
    recipient missing from it is asked on its own.
    """
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
    # Restriction (Art. 18) and objection (Art. 21) do not stop service messages. Decided so:
    # - Objection covers processing on legitimate interest and direct marketing (21(1)-(3)).
    #   Booking confirmations, reminders, changes, cancellations and receipts are necessary
    #   for the contract (6(1)(b)), account mails answer the person's own request, and the
    #   policy (section 13) promises these "service-related messages" go on after an opt-out.
    # - Restriction leaves storage only, "with the exception of ... the data subject's consent"
    #   (18(2)). A booking the person keeps (and can cancel at any time) is their request to
    #   hear about it; stopping it would harm them (a missed or moved appointment). Booking
    #   SMS rest on the sms_notifications consent itself, which 18(2) names.
    # Everything optional stops: marketing has no basis while restricted or objecting
    # (marketing_basis_for), and neither do personalisation or cookies (has_consent).

    booking = message.booking
    if message.template_key in BOOKING_BOUND_TEMPLATES and (
        booking is None or booking.status != booking.Status.CONFIRMED
    ):
        return SendDecision(False, "booking_not_confirmed")

    if message.channel == Message.Channel.SMS:
        necessary_notice = (
            message.template_key in NECESSARY_SMS_NOTICE_TEMPLATES
            and message.purpose == Message.Purpose.TRANSACTIONAL
        )
        if not user.phone:
            return SendDecision(False, "no_phone_number")
        if not user.phone_verified_at and not necessary_notice:
            # Only numbers proven by a one-time code get booking details (privacy policy).
            return SendDecision(False, "phone_not_verified")
        if (
            message.purpose == Message.Purpose.TRANSACTIONAL
            and not necessary_notice
            and not _sms_consent(user, sms_consents)
        ):
            return SendDecision(False, "no_sms_consent")
    elif not (message.to_address or user.message_email):
        return SendDecision(False, "no_email_address")

    if message.purpose == Message.Purpose.MARKETING:
        basis = _marketing_basis(user, message.channel)
        if not basis:
            return SendDecision(False, "no_marketing_basis")
        return SendDecision(True, marketing_basis=basis)
    # Booking e-mails are necessary for the contract: they go without a consent.
    return ALLOW
