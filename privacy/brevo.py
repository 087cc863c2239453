"""The Brevo contact list that mirrors marketing e-mail consent (sib-api-v3-sdk ContactsApi).

H3's e-mail gateway (notifications/gateways/brevo.py) owns the transactional side; the list sync
only needs the contacts API, configured here from the same settings (BREVO_API_KEY,
BREVO_API_URL). Without BREVO_API_KEY the sync runs in console mode: it records what it would do.
"""

import sib_api_v3_sdk
from django.conf import settings

DEFAULT_API_URL = "https://api.brevo.com/v3"  # the same host H3's gateway uses
HTTP_TIMEOUT_SECONDS = 15


def brevo_configured() -> bool:
    return bool(settings.BREVO_API_KEY)


def contacts_api() -> sib_api_v3_sdk.ContactsApi:
    """A ContactsApi bound to our account; the base URL can point at a local fake or staging."""
    configuration = sib_api_v3_sdk.Configuration()
    configuration.api_key["api-key"] = settings.BREVO_API_KEY
    configuration.host = (settings.BREVO_API_URL or DEFAULT_API_URL).rstrip("/")
    return sib_api_v3_sdk.ContactsApi(sib_api_v3_sdk.ApiClient(configuration))


def marketing_list_id() -> int:
    return int(settings.BREVO_MARKETING_LIST_ID)
