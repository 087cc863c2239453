"""Consent purposes: the stable identifiers of CONTRACT.md, with what each one means.

The identifiers never change (the ledger, the API and other apps refer to them). The wording the
person sees is stored versioned in `PurposeText` (privacy/models/consent.py), so that every ledger
row points at the exact text that was shown.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    SMS_NOTIFICATIONS = "sms_notifications", _("SMS notifications about bookings")
    MARKETING_EMAIL = "marketing_email", _("Newsletters and offers by e-mail")
    MARKETING_SMS = "marketing_sms", _("Offers by SMS")
    ANALYTICS_COOKIES = "analytics_cookies", _("Analytics cookies")
    ADVERTISING_COOKIES = "advertising_cookies", _("Advertising cookies")
    PERSONALISATION = "personalisation", _("Personalised recommendations")


class LegalBasis(models.TextChoices):
    CONSENT = "consent", _("Consent (GDPR Art. 6(1)(a))")
    CONSENT_OR_EXISTING_CUSTOMER = (
        "consent_or_existing_customer",
        _("Consent, or the existing-customer exception of the Marketing Act §15"),
    )


@dataclass(frozen=True)
class PurposeDefinition:
    purpose: Purpose
    description: Promise
    legal_basis: LegalBasis
    # Every optional purpose starts switched off: silence or inactivity is never consent.
    default: bool = False
    # Cookie purposes are asked in the cookie banner; the others in the privacy centre.
    is_cookie: bool = False


DEFINITIONS: dict[str, PurposeDefinition] = {
    d.purpose.value: d
    for d in (
        PurposeDefinition(
            Purpose.SMS_NOTIFICATIONS,
            _(
                "Booking confirmations, reminders and changes by SMS. Your mobile number and the "
                "booking details are sent to Twilio, whose servers may be outside the EU/EEA "
                "(standard contractual clauses)."
            ),
            LegalBasis.CONSENT,
        ),
        PurposeDefinition(
            Purpose.MARKETING_EMAIL,
            _(
                "Newsletters, offers, campaigns and events from Bookingtjeneste by e-mail, sent "
                "through Brevo (EU). Every e-mail has a one-click unsubscribe link."
            ),
            LegalBasis.CONSENT_OR_EXISTING_CUSTOMER,
        ),
        PurposeDefinition(
            Purpose.MARKETING_SMS,
            _(
                "Offers and campaigns from Bookingtjeneste by SMS, sent through Twilio. Reply STOP "
                "to any message to stop them."
            ),
            # Consent only: the numbers we hold were given for one-time codes and booking SMS.
            LegalBasis.CONSENT,
        ),
        PurposeDefinition(
            Purpose.ANALYTICS_COOKIES,
            _(
                "Google Analytics cookies that show us, in partly anonymised form, which pages "
                "are visited and when, so that we can improve the service."
            ),
            LegalBasis.CONSENT,
            is_cookie=True,
        ),
        PurposeDefinition(
            Purpose.ADVERTISING_COOKIES,
            _(
                "Google Ads and social media advertising cookies and pixels (Facebook, TikTok, "
                "Snapchat and others), and embedded YouTube videos, used to show you tailored "
                "advertising on other websites."
            ),
            LegalBasis.CONSENT,
            is_cookie=True,
        ),
        PurposeDefinition(
            Purpose.PERSONALISATION,
            _(
                "Recommendations and content adapted to you, based on the pages you visit and the "
                "services you book (profiling)."
            ),
            LegalBasis.CONSENT,
        ),
    )
}

COOKIE_PURPOSES: tuple[str, ...] = tuple(p for p, d in DEFINITIONS.items() if d.is_cookie)
MARKETING_PURPOSES: tuple[str, ...] = (Purpose.MARKETING_EMAIL.value, Purpose.MARKETING_SMS.value)
