"""E-mail through Brevo's transactional API with the official `sib-api-v3-sdk`.

Every SDK call lives in this module, so a move to `brevo-python` changes one file.
"""

import base64
import contextlib
import functools
import json
import os
from email.utils import parseaddr

import sib_api_v3_sdk
import urllib3
from django.conf import settings
from django.utils.html import escape, linebreaks
from sib_api_v3_sdk.rest import ApiException

from .base import OutgoingEmail, PermanentProviderError, TransientProviderError

DEFAULT_API_URL = "https://api.brevo.com/v3"
HTTP_TIMEOUT_SECONDS = 15


class BrevoEmailGateway:
    name = "brevo"

    def __init__(self, *, api_key: str, api_url: str = "", sender: str = "") -> None:
        configuration = sib_api_v3_sdk.Configuration()
        configuration.host = (api_url or DEFAULT_API_URL).rstrip("/")
        configuration.api_key["api-key"] = api_key
        self.api = sib_api_v3_sdk.TransactionalEmailsApi(sib_api_v3_sdk.ApiClient(configuration))
        name, address = parseaddr(sender or settings.DEFAULT_FROM_EMAIL)
        self.sender = sib_api_v3_sdk.SendSmtpEmailSender(name=name or None, email=address)

    @classmethod
    def from_settings(cls) -> "BrevoEmailGateway":
        # One gateway (and connection pool) per process and configuration.
        return _gateway(
            settings.BREVO_API_KEY, settings.BREVO_API_URL, settings.DEFAULT_FROM_EMAIL,
            os.getpid(),
        )

    def send(self, email: OutgoingEmail) -> str:
        """Returns Brevo's message id. Raises Transient/PermanentProviderError.

        `email.idempotency_key` (a UUID) goes in Brevo's `idempotencyKey` header: Brevo then
        processes a repeat of the request once (for its TTL, 15-30 minutes), so a retry after a
        worker died between Brevo's answer and our row update does not mail twice.
        """
        headers = dict(email.headers)
        if email.idempotency_key:
            headers["idempotencyKey"] = email.idempotency_key
        payload = sib_api_v3_sdk.SendSmtpEmail(
            sender=self.sender,
            to=[sib_api_v3_sdk.SendSmtpEmailTo(email=email.to, name=email.to_name or None)],
            subject=email.subject,
            # Brevo requires HTML; a text-only mail (some of Django's) gets a plain rendering.
            html_content=email.html or linebreaks(escape(email.text)),
            text_content=email.text or None,
            headers=headers or None,
            attachment=[
                sib_api_v3_sdk.SendSmtpEmailAttachment(
                    name=item.name, content=base64.b64encode(item.content).decode("ascii")
                )
                for item in email.attachments
            ]
            or None,
            tags=list(email.tags) or None,
        )
        try:
            response = self.api.send_transac_email(
                payload, _request_timeout=HTTP_TIMEOUT_SECONDS
            )
        except ApiException as error:
            raise _error_from_api(error) from error
        except urllib3.exceptions.HTTPError as error:
            raise TransientProviderError("network", type(error).__name__) from error
        return response.message_id or ""


@functools.lru_cache(maxsize=4)
def _gateway(api_key: str, api_url: str, sender: str, pid: int) -> BrevoEmailGateway:
    return BrevoEmailGateway(api_key=api_key, api_url=api_url, sender=sender)


def _error_from_api(error: ApiException) -> Exception:
    status = int(error.status or 0)
    code = str(status)
    with contextlib.suppress(ValueError, AttributeError):
        code = json.loads(error.body or "{}").get("code") or code
    if status == 0 or status == 429 or status >= 500:
        return TransientProviderError(str(code), str(error.reason or "")[:200])
    # 400 invalid address or parameters, 401/403 key problems: retrying will not help.
    return PermanentProviderError(str(code), str(error.reason or "")[:200])
