"""The Google Calendar gateway: the official client (google-api-python-client) and a console twin.

calendars/services is the only caller (services/gateways.py picks one). Every method maps
Google's answers onto the two provider error kinds (bookingtjeneste/providers.py: transient →
retry with backoff, permanent → record), with two refinements the sync needs:
`CalendarAuthorizationError` (refresh token revoked/expired: the connection needs a new OAuth
consent, retrying is useless) and `SyncTokenExpired` (410 Gone on an incremental list: do a
full sync).

`GOOGLE_CALENDAR_API_URL` replaces Google's host (tests start a local fake server; staging may
use a proxy); `GOOGLE_OAUTH_TOKEN_URL` does the same for the token endpoint.
"""

from __future__ import annotations

import logging
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

import httplib2
import requests
from django.conf import settings
from google.auth.exceptions import RefreshError, TransportError
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from bookingtjeneste.providers import PermanentProviderError, TransientProviderError

logger = logging.getLogger(__name__)

SCOPES = (
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.readonly",
)
DEFAULT_AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token"
HTTP_TIMEOUT_SECONDS = 15
TRANSIENT_STATUSES = {408, 429, 500, 502, 503, 504}
# 403 reasons that mean "slow down", not "forbidden" (Calendar API error guide).
RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"}


class CalendarAuthorizationError(PermanentProviderError):
    """The stored grant no longer works (revoked, expired, wrong client): ask for consent again."""


class SyncTokenExpired(PermanentProviderError):
    """410 Gone on an incremental list: the sync token is no longer valid."""


class EventAlreadyExists(PermanentProviderError):
    """409 on insert: an event with our client-chosen id exists (an earlier try got through)."""


class EventGone(PermanentProviderError):
    """404/410 on patch or delete: the event was removed in Google already."""


@dataclass(frozen=True)
class OAuthTokens:
    access_token: str
    refresh_token: str
    expires_at: datetime | None


@dataclass
class TokenState:
    """The tokens a gateway works with; after a call, `access_token`/`expires_at` may be newer."""

    refresh_token: str
    access_token: str = ""
    expires_at: datetime | None = None


def api_root() -> str:
    """The discovery base URL: Google's unless GOOGLE_CALENDAR_API_URL points elsewhere."""
    override = getattr(settings, "GOOGLE_CALENDAR_API_URL", "")
    if not override:
        return ""
    return override.rstrip("/") + "/calendar/v3/"


def token_url() -> str:
    return getattr(settings, "GOOGLE_OAUTH_TOKEN_URL", "") or DEFAULT_TOKEN_URL


def authorization_url(*, redirect_uri: str, state: str) -> str:
    """Google's consent page for offline access to events (write) and calendars (read)."""
    base = getattr(settings, "GOOGLE_OAUTH_AUTH_URL", "") or DEFAULT_AUTH_URL
    query = urlencode(
        {
            "client_id": settings.GOOGLE_OAUTH_CLIENT_ID,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": " ".join(SCOPES),
            "access_type": "offline",
            # Always ask: Google only returns a refresh token on a consent screen.
            "prompt": "consent",
            "include_granted_scopes": "true",
            "state": state,
        }
    )
    return f"{base}?{query}"


def exchange_code(*, code: str, redirect_uri: str) -> OAuthTokens:
    """Trade an authorization code for tokens (RFC 6749 §4.1.3)."""
    try:
        response = requests.post(
            token_url(),
            data={
                "code": code,
                "client_id": settings.GOOGLE_OAUTH_CLIENT_ID,
                "client_secret": settings.GOOGLE_OAUTH_CLIENT_SECRET,
                "redirect_uri": redirect_uri,
                "grant_type": "authorization_code",
            },
            timeout=HTTP_TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        raise TransientProviderError("google_unreachable", type(exc).__name__) from exc
    if response.status_code >= 500:
        raise TransientProviderError("google_unavailable", str(response.status_code))
    try:
        data = response.json()
    except ValueError as exc:
        raise PermanentProviderError("google_bad_response") from exc
    if response.status_code != 200 or not data.get("refresh_token"):
        # No refresh token means no offline access: the connection could not sync later.
        raise CalendarAuthorizationError(str(data.get("error") or "no_refresh_token"))
    expires_in = data.get("expires_in")
    expires_at = (
        datetime.fromtimestamp(datetime.now(UTC).timestamp() + int(expires_in), UTC)
        if expires_in
        else None
    )
    return OAuthTokens(
        access_token=str(data.get("access_token", "")),
        refresh_token=str(data["refresh_token"]),
        expires_at=expires_at,
    )


def _error_reason(error: HttpError) -> str:
    details = getattr(error, "error_details", None)
    if isinstance(details, list) and details and isinstance(details[0], dict):
        return str(details[0].get("reason", ""))
    return ""


class GoogleCalendarGateway:
    """One calendar owner's grant; a fresh instance per task run (it holds no shared state)."""

    name = "google"

    def __init__(self, tokens: TokenState) -> None:
        self.tokens = tokens
        # google-auth compares expiry as a naive UTC datetime.
        expiry = (
            tokens.expires_at.astimezone(UTC).replace(tzinfo=None) if tokens.expires_at else None
        )
        self._credentials = Credentials(
            token=tokens.access_token or None,
            refresh_token=tokens.refresh_token,
            token_uri=token_url(),
            client_id=settings.GOOGLE_OAUTH_CLIENT_ID,
            client_secret=settings.GOOGLE_OAUTH_CLIENT_SECRET,
            scopes=list(SCOPES),
            expiry=expiry,
        )
        http = AuthorizedHttp(self._credentials, http=httplib2.Http(timeout=HTTP_TIMEOUT_SECONDS))
        client_options = {"api_endpoint": api_root()} if api_root() else None
        self._service = build(
            "calendar",
            "v3",
            http=http,
            static_discovery=True,
            cache_discovery=False,
            client_options=client_options,
        )

    # --- plumbing -----------------------------------------------------------------------------
    def _execute(self, request, *, operation: str):
        try:
            result = request.execute(num_retries=0)
        except RefreshError as exc:
            # google-auth marks invalid_grant & co. as not retryable; 5xx from the token
            # endpoint as retryable.
            if getattr(exc, "retryable", False):
                raise TransientProviderError("token_refresh_unavailable", operation) from exc
            raise CalendarAuthorizationError("invalid_grant", operation) from exc
        except TransportError as exc:
            raise TransientProviderError("google_unreachable", operation) from exc
        except (TimeoutError, httplib2.HttpLib2Error, OSError) as exc:
            raise TransientProviderError("google_unreachable", type(exc).__name__) from exc
        except HttpError as exc:
            raise self._map_http_error(exc, operation) from exc
        finally:
            self._remember_tokens()
        return result

    def _remember_tokens(self) -> None:
        if self._credentials.token and self._credentials.token != self.tokens.access_token:
            self.tokens.access_token = self._credentials.token
            expiry = self._credentials.expiry
            self.tokens.expires_at = expiry.replace(tzinfo=UTC) if expiry else None

    @staticmethod
    def _map_http_error(error: HttpError, operation: str) -> Exception:
        status = error.status_code
        reason = _error_reason(error)
        if status in TRANSIENT_STATUSES or (status == 403 and reason in RATE_LIMIT_REASONS):
            return TransientProviderError(f"http_{status}", operation)
        if status == 401:
            return CalendarAuthorizationError("unauthorized", operation)
        if status == 410 and operation == "events.list":
            return SyncTokenExpired("sync_token_expired", operation)
        if status == 409 and operation == "events.insert":
            return EventAlreadyExists("duplicate", operation)
        if status in (404, 410) and operation in ("events.patch", "events.delete"):
            return EventGone(f"http_{status}", operation)
        return PermanentProviderError(f"http_{status}", f"{operation} {reason}".strip())

    # --- events -------------------------------------------------------------------------------
    def insert_event(self, *, calendar_id: str, body: dict) -> dict:
        request = self._service.events().insert(
            calendarId=calendar_id, body=body, sendUpdates="none"
        )
        return self._execute(request, operation="events.insert")

    def patch_event(self, *, calendar_id: str, event_id: str, body: dict) -> dict:
        request = self._service.events().patch(
            calendarId=calendar_id, eventId=event_id, body=body, sendUpdates="none"
        )
        return self._execute(request, operation="events.patch")

    def delete_event(self, *, calendar_id: str, event_id: str) -> None:
        request = self._service.events().delete(
            calendarId=calendar_id, eventId=event_id, sendUpdates="none"
        )
        self._execute(request, operation="events.delete")

    def list_events(
        self, *, calendar_id: str, sync_token: str = "", time_min: str = "", page_token: str = ""
    ) -> dict:
        """One page of events.list: incremental with a sync token, else a full list."""
        params: dict = {"calendarId": calendar_id, "singleEvents": True, "maxResults": 250}
        if sync_token:
            params["syncToken"] = sync_token
        elif time_min:
            params["timeMin"] = time_min
        if page_token:
            params["pageToken"] = page_token
        return self._execute(self._service.events().list(**params), operation="events.list")

    def watch_events(
        self, *, calendar_id: str, channel_id: str, token: str, address: str, ttl_seconds: int
    ) -> dict:
        body = {
            "id": channel_id,
            "type": "web_hook",
            "address": address,
            "token": token,
            "params": {"ttl": str(ttl_seconds)},
        }
        request = self._service.events().watch(calendarId=calendar_id, body=body)
        return self._execute(request, operation="events.watch")

    def stop_channel(self, *, channel_id: str, resource_id: str) -> None:
        request = self._service.channels().stop(body={"id": channel_id, "resourceId": resource_id})
        try:
            self._execute(request, operation="channels.stop")
        except PermanentProviderError as exc:
            if isinstance(exc, CalendarAuthorizationError):
                raise
            # An already expired/unknown channel is what we wanted anyway.
            logger.info("channel stop ignored: %s", exc.code)


# --- console mode -----------------------------------------------------------------------------
# What would have been sent, newest last: for `make run` and for tests without a fake server.
console_calls: deque[dict] = deque(maxlen=500)


class ConsoleCalendarGateway:
    """Records each call instead of sending it; lists an empty calendar.

    Same method names and return shapes as GoogleCalendarGateway, so the services run exactly
    the same code path in console mode.
    """

    name = "console"

    def __init__(self, tokens: TokenState | None = None) -> None:
        self.tokens = tokens or TokenState(refresh_token="")

    def _record(self, operation: str, **payload) -> None:
        console_calls.append({"operation": operation, **payload})
        logger.info("console calendar %s", operation)

    def insert_event(self, *, calendar_id: str, body: dict) -> dict:
        self._record("events.insert", calendar_id=calendar_id, body=body)
        return {**body, "status": "confirmed"}

    def patch_event(self, *, calendar_id: str, event_id: str, body: dict) -> dict:
        self._record("events.patch", calendar_id=calendar_id, event_id=event_id, body=body)
        return {"id": event_id, **body}

    def delete_event(self, *, calendar_id: str, event_id: str) -> None:
        self._record("events.delete", calendar_id=calendar_id, event_id=event_id)

    def list_events(
        self, *, calendar_id: str, sync_token: str = "", time_min: str = "", page_token: str = ""
    ) -> dict:
        self._record("events.list", calendar_id=calendar_id, incremental=bool(sync_token))
        return {"items": [], "nextSyncToken": f"console-{uuid.uuid4().hex}"}

    def watch_events(
        self, *, calendar_id: str, channel_id: str, token: str, address: str, ttl_seconds: int
    ) -> dict:
        self._record("events.watch", calendar_id=calendar_id, channel_id=channel_id)
        expires_ms = int((datetime.now(UTC).timestamp() + ttl_seconds) * 1000)
        return {"id": channel_id, "resourceId": f"console-{channel_id}", "expiration": expires_ms}

    def stop_channel(self, *, channel_id: str, resource_id: str) -> None:
        self._record("channels.stop", channel_id=channel_id)
