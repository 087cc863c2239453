"""SMS through Twilio Programmable Messaging (`messages.create` via the messaging service)."""

from datetime import datetime

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioException, TwilioRestException

from bookingtjeneste.providers import PermanentProviderError, TransientProviderError

from .twilio_client import twilio_client

# Error codes that will never succeed for this number: recorded, not retried.
# 21610 recipient replied STOP · 21211 invalid To · 21614 not a mobile number ·
# 21612 unreachable route · 21408 region not enabled · 21217 number not valid for region.
PERMANENT_ERROR_CODES = {21610, 21211, 21614, 21612, 21408, 21217, 21606, 30004, 30005, 30006}
# A number gets few messages from us; the one a crashed attempt sent is among the latest.
RECENT_MESSAGES_CHECKED = 20


def error_from_twilio(error: TwilioRestException) -> Exception:
    code = str(error.code or error.status)
    if error.code in PERMANENT_ERROR_CODES:
        return PermanentProviderError(code, error.msg or "")
    if error.status == 429 or error.status >= 500:
        return TransientProviderError(code, error.msg or "")
    return PermanentProviderError(code, error.msg or "")


class TwilioSmsGateway:
    name = "twilio"

    def __init__(self, *, client, messaging_service_sid: str) -> None:
        self.client = client
        self.messaging_service_sid = messaging_service_sid

    @classmethod
    def from_settings(cls) -> "TwilioSmsGateway":
        return cls(
            client=twilio_client(),
            messaging_service_sid=settings.TWILIO_MESSAGING_SERVICE_SID,
        )

    def send(self, *, to: str, body: str, status_callback: str = "") -> str:
        """Returns the message SID. Raises Transient/PermanentProviderError."""
        if not self.messaging_service_sid:
            raise PermanentProviderError("configuration", "TWILIO_MESSAGING_SERVICE_SID is unset")
        options = {"status_callback": status_callback} if status_callback else {}
        try:
            message = self.client.messages.create(
                to=to, body=body, messaging_service_sid=self.messaging_service_sid, **options
            )
        except TwilioRestException as error:
            raise error_from_twilio(error) from error
        except requests.RequestException as error:
            raise TransientProviderError("network", type(error).__name__) from error
        except TwilioException as error:
            raise TransientProviderError("twilio", str(error)[:200]) from error
        return message.sid

    def find_accepted(self, *, to: str, body: str, since: datetime) -> str:
        """The SID of a message with this text to `to` created since `since`, else "".

        Twilio's Messages API has no idempotency key for sends (the I-Twilio-Idempotency-Token
        header is only on Twilio's webhooks to us), and a message carries no tag of ours; so a
        retry looks for the same text to the same number among the latest messages instead.
        """
        try:
            recent = self.client.messages.list(to=to, limit=RECENT_MESSAGES_CHECKED)
        except TwilioRestException as error:
            raise error_from_twilio(error) from error
        except requests.RequestException as error:
            raise TransientProviderError("network", type(error).__name__) from error
        except TwilioException as error:
            # A list page that is not 200 comes as TwilioException(message, response).
            response = error.args[1] if len(error.args) > 1 else None
            status = getattr(response, "status_code", None)
            raise TransientProviderError(str(status or "twilio"), "message lookup") from error
        for message in recent:
            if message.body == body and message.date_created and message.date_created >= since:
                return message.sid
        return ""
