"""Provider gateways, one module per provider; console mode when credentials are missing.

`sms_gateway()`, `email_gateway()` and `verify_gateway()` pick the configured gateway at call
time, so a test can point settings at a local fake provider.
"""

from django.conf import settings

from .base import EmailAttachment, OutgoingEmail

__all__ = [
    "EmailAttachment",
    "OutgoingEmail",
    "email_gateway",
    "sms_gateway",
    "verify_gateway",
]


def sms_gateway():
    if settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN:
        from .twilio_sms import TwilioSmsGateway

        return TwilioSmsGateway.from_settings()
    from .console import ConsoleSmsGateway

    return ConsoleSmsGateway()


def email_gateway():
    if settings.BREVO_API_KEY:
        from .brevo import BrevoEmailGateway

        return BrevoEmailGateway.from_settings()
    from .console import ConsoleEmailGateway

    return ConsoleEmailGateway()


def verify_gateway():
    if (
        settings.TWILIO_ACCOUNT_SID
        and settings.TWILIO_AUTH_TOKEN
        and settings.TWILIO_VERIFY_SERVICE_SID
    ):
        from .twilio_verify import TwilioVerifyGateway

        return TwilioVerifyGateway.from_settings()
    from .console_verify import ConsoleVerifyGateway

    return ConsoleVerifyGateway()
