"""Phone number verification through Twilio Verify (Twilio generates, sends and checks codes).

Erasure does not call Twilio Verify, because its API has nothing to delete: a Verification can
only be created, fetched and updated (approved/canceled), and disappears by itself once it is
approved, used up or expired (10 minutes); Verification Attempts (Twilio's log of sends, with
the number) can only be listed and fetched. Twilio keeps that log as our processor under its
own retention; a person who wants it gone asks Twilio through us (docs/RETENTION.md). The SMS
we send through Programmable Messaging are different: erasure deletes them
(notifications/personal_data.py: _twilio).
"""

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioException, TwilioRestException

from bookingtjeneste.providers import PermanentProviderError, ProviderError, TransientProviderError

from .twilio_client import twilio_client

# Results of a check, shared with the console gateway.
APPROVED = "approved"
INCORRECT = "incorrect"
EXPIRED = "expired"
TOO_MANY_ATTEMPTS = "too_many_attempts"

# 60200 invalid parameter (the number) · 60205 SMS not supported by landline · 21211/21614
INVALID_NUMBER_CODES = {60200, 60205, 21211, 21614, 21408}


def _translate(error: TwilioRestException) -> ProviderError:
    if error.code in INVALID_NUMBER_CODES:
        return PermanentProviderError("invalid_number", error.msg or "")
    if error.code == 60203:  # max send attempts reached
        return PermanentProviderError("too_many_sends", error.msg or "")
    if error.code == 60202:  # max check attempts reached
        return PermanentProviderError(TOO_MANY_ATTEMPTS, error.msg or "")
    if error.status == 429 or error.status >= 500:
        return TransientProviderError(str(error.code or error.status), error.msg or "")
    return PermanentProviderError(str(error.code or error.status), error.msg or "")


class TwilioVerifyGateway:
    name = "twilio"

    def __init__(self, *, client, service_sid: str) -> None:
        self.service = client.verify.v2.services(service_sid)

    @classmethod
    def from_settings(cls) -> "TwilioVerifyGateway":
        return cls(client=twilio_client(), service_sid=settings.TWILIO_VERIFY_SERVICE_SID)

    def start(self, *, to: str, locale: str) -> None:
        """Send a code by SMS. Raises Permanent/TransientProviderError."""
        try:
            self.service.verifications.create(to=to, channel="sms", locale=locale)
        except TwilioRestException as error:
            raise _translate(error) from error
        except (requests.RequestException, TwilioException) as error:
            raise TransientProviderError("network", type(error).__name__) from error

    def check(self, *, to: str, code: str) -> str:
        """APPROVED, INCORRECT, EXPIRED or TOO_MANY_ATTEMPTS."""
        try:
            result = self.service.verification_checks.create(to=to, code=code)
        except TwilioRestException as error:
            if error.status == 404 or error.code == 20404:
                # Twilio deletes a verification when it expires, is approved or is used up.
                return EXPIRED
            translated = _translate(error)
            if translated.code == TOO_MANY_ATTEMPTS:
                return TOO_MANY_ATTEMPTS
            raise translated from error
        except (requests.RequestException, TwilioException) as error:
            raise TransientProviderError("network", type(error).__name__) from error
        return APPROVED if result.status == "approved" else INCORRECT
