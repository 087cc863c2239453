"""The Twilio SDK client, pointed at TWILIO_API_URL when set (a local fake or staging host).

The SDK builds absolute URLs on api.twilio.com / verify.twilio.com; our HTTP client rewrites
only the scheme and host, so the SDK's own request path, auth and parsing all run.
"""

import functools
import logging
import os

from django.conf import settings
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

TWILIO_HOSTS = ("https://api.twilio.com", "https://verify.twilio.com")
HTTP_TIMEOUT_SECONDS = 15

# The SDK logs requests (numbers, texts) at INFO: keep that logger quiet.
_sdk_logger = logging.getLogger("notifications.twilio_sdk")
_sdk_logger.setLevel(logging.WARNING)


class RedirectingTwilioHttpClient(TwilioHttpClient):
    def __init__(self, *, base_url: str = "", **kwargs) -> None:
        super().__init__(logger=_sdk_logger, timeout=HTTP_TIMEOUT_SECONDS, **kwargs)
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if self.base_url:
            for host in TWILIO_HOSTS:
                if url.startswith(host):
                    url = self.base_url + url[len(host) :]
                    break
        return super().request(method, url, *args, **kwargs)


@functools.lru_cache(maxsize=4)
def _client(account_sid: str, auth_token: str, base_url: str, pid: int) -> Client:
    return Client(
        account_sid, auth_token, http_client=RedirectingTwilioHttpClient(base_url=base_url)
    )


def twilio_client() -> Client:
    """One client per process and configuration: its HTTP session keeps connections open.

    The process id is part of the key so a forked worker child never reuses its parent's
    sockets.
    """
    return _client(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        settings.TWILIO_API_URL,
        os.getpid(),
    )
