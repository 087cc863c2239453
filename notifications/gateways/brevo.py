"""Brevo through the official `sib-api-v3-sdk`: transactional e-mail and the contacts API.

Every SDK call of the project lives in this module (sending, the marketing list, deleting a
contact), so a move to its maintained successor `brevo-python` changes one file. Callers see
only our own errors: TransientProviderError (network, 429, 5xx: try again later) and
PermanentProviderError (anything else: trying again fails the same way).
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

from bookingtjeneste.providers import PermanentProviderError, TransientProviderError

from .base import OutgoingEmail

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
            settings.BREVO_API_KEY,
            settings.BREVO_API_URL,
            settings.DEFAULT_FROM_EMAIL,
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
            response = self.api.send_transac_email(payload, _request_timeout=HTTP_TIMEOUT_SECONDS)
        except ApiException as error:
            raise _error_from_api(error) from error
        except urllib3.exceptions.HTTPError as error:
            raise TransientProviderError("network", type(error).__name__) from error
        return response.message_id or ""


@functools.lru_cache(maxsize=4)
def _gateway(api_key: str, api_url: str, sender: str, pid: int) -> BrevoEmailGateway:
    return BrevoEmailGateway(api_key=api_key, api_url=api_url, sender=sender)


def brevo_configured() -> bool:
    """Brevo is used only with an API key; without one, callers record what they would do."""
    return bool(settings.BREVO_API_KEY)


def _contacts_api() -> sib_api_v3_sdk.ContactsApi:
    # Same account and base URL as the e-mail gateway (a local fake or staging in tests).
    configuration = sib_api_v3_sdk.Configuration()
    configuration.api_key["api-key"] = settings.BREVO_API_KEY
    configuration.host = (settings.BREVO_API_URL or DEFAULT_API_URL).rstrip("/")
    return sib_api_v3_sdk.ContactsApi(sib_api_v3_sdk.ApiClient(configuration))


def _contacts_error(error: ApiException) -> Exception:
    # Contact calls report the HTTP status (`http_404`): callers record it for a person to read.
    status = int(error.status or 0)
    if status == 429 or status >= 500:
        return TransientProviderError(f"http_{status}")
    return PermanentProviderError(f"http_{status}")


def brevo_contact_upsert(email: str, *, list_id: int) -> None:
    """Create the contact, or update an existing one, and put it on the list `list_id`."""
    try:
        _contacts_api().create_contact(
            sib_api_v3_sdk.CreateContact(email=email, list_ids=[list_id], update_enabled=True),
            _request_timeout=HTTP_TIMEOUT_SECONDS,
        )
    except ApiException as error:
        raise _contacts_error(error) from error
    except urllib3.exceptions.HTTPError as error:
        raise TransientProviderError(type(error).__name__) from error


def brevo_list_remove(email: str, *, list_id: int) -> bool:
    """Take the contact off the list `list_id`; False when it was not on it (or not a contact).

    Brevo answers 400 or 404 for a contact that is not on the list: the state asked for.
    """
    try:
        _contacts_api().remove_contact_from_list(
            list_id,
            sib_api_v3_sdk.RemoveContactFromList(emails=[email]),
            _request_timeout=HTTP_TIMEOUT_SECONDS,
        )
    except ApiException as error:
        if error.status in (400, 404):
            return False
        raise _contacts_error(error) from error
    except urllib3.exceptions.HTTPError as error:
        raise TransientProviderError(type(error).__name__) from error
    return True


def brevo_contact_delete(email: str) -> bool:
    """Delete the contact with this address from Brevo; False when there was none (404)."""
    try:
        _contacts_api().delete_contact(email, _request_timeout=HTTP_TIMEOUT_SECONDS)
    except ApiException as error:
        if error.status == 404:
            return False
        raise _contacts_error(error) from error
    except urllib3.exceptions.HTTPError as error:
        raise TransientProviderError(type(error).__name__) from error
    return True


def _error_from_api(error: ApiException) -> Exception:
    status = int(error.status or 0)
    code = str(status)
    with contextlib.suppress(ValueError, AttributeError):
        code = json.loads(error.body or "{}").get("code") or code
    if status == 0 or status == 429 or status >= 500:
        return TransientProviderError(str(code), str(error.reason or "")[:200])
    # 400 invalid address or parameters, 401/403 key problems: retrying will not help.
    return PermanentProviderError(str(code), str(error.reason or "")[:200])
