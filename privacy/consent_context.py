"""What the current request may load: the cookie banner, tags and embeds, decided server-side.

Nothing optional is rendered unless the matching purpose is granted in the ledger and the
browser does not send Global Privacy Control / Do Not Track. The Content-Security-Policy is then
widened for exactly those hosts on exactly that response (privacy.middleware).
"""

import uuid
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlparse

from django.conf import settings
from django.utils.translation import get_language

from .purposes import COOKIE_PURPOSES, Purpose
from .selectors import (
    ConsentState,
    consent_cookie_name,
    consent_states,
    cookie_choice_needed,
    cookie_purpose_choices,
    privacy_signal_refuses,
)

GOOGLE_HOSTS = [
    "https://www.google-analytics.com",
    "https://*.google-analytics.com",
    "https://*.analytics.google.com",
    "https://www.googletagmanager.com",
]
GOOGLE_ADS_HOSTS = [
    "https://googleads.g.doubleclick.net",
    "https://www.googleadservices.com",
    "https://www.google.com",
]
META_HOSTS = ["https://www.facebook.com", "https://connect.facebook.net"]
YOUTUBE_EMBED_HOST = "https://www.youtube-nocookie.com"


def _origin(url: str) -> str:
    parts = urlparse(url)
    return f"{parts.scheme}://{parts.netloc}"


def consent_id_from(request) -> uuid.UUID | None:
    raw = request.COOKIES.get(consent_cookie_name(), "")
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


@dataclass
class ConsentContext:
    request: object
    # Filled while the page renders; the middleware turns it into a per-response CSP update.
    csp_update: dict[str, set[str]] = field(default_factory=dict)

    @cached_property
    def consent_id(self) -> uuid.UUID | None:
        return consent_id_from(self.request)

    @cached_property
    def subject(self) -> object:
        user = getattr(self.request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return self.consent_id

    @cached_property
    def signal_refuses(self) -> bool:
        return privacy_signal_refuses(request=self.request)

    @cached_property
    def states(self) -> list[ConsentState]:
        # One read of the ledger per request, shared by the banner and the tag decisions.
        return consent_states(subject=self.subject) if self.subject is not None else []

    @cached_property
    def banner_needed(self) -> bool:
        return cookie_choice_needed(subject=self.subject, states=self.states)

    @cached_property
    def granted(self) -> frozenset[str]:
        if self.signal_refuses or self.subject is None:
            return frozenset()
        return frozenset(
            state.purpose
            for state in self.states
            if state.purpose in COOKIE_PURPOSES and state.granted
        )

    @cached_property
    def cookie_purposes(self) -> list:
        return cookie_purpose_choices(language=get_language())

    @property
    def analytics(self) -> bool:
        return Purpose.ANALYTICS_COOKIES in self.granted

    @property
    def advertising(self) -> bool:
        return Purpose.ADVERTISING_COOKIES in self.granted

    def allow(self, directive: str, *sources: str) -> None:
        self.csp_update.setdefault(directive, set()).update(sources)

    def tags(self) -> list[dict]:
        """The tag scripts this response may include, and the CSP hosts they need."""
        tags: list[dict] = []
        google_ids = []
        if self.analytics and settings.GOOGLE_ANALYTICS_ID:
            google_ids.append(settings.GOOGLE_ANALYTICS_ID)
            hosts = GOOGLE_HOSTS
            self.allow("connect-src", *hosts)
            self.allow("img-src", *hosts)
        if self.advertising and settings.GOOGLE_ADS_ID:
            google_ids.append(settings.GOOGLE_ADS_ID)
            self.allow("connect-src", *GOOGLE_ADS_HOSTS)
            self.allow("img-src", *GOOGLE_ADS_HOSTS)
            self.allow("frame-src", *GOOGLE_ADS_HOSTS)
        if google_ids:
            src = f"{settings.GOOGLE_TAG_SCRIPT_URL}?id={google_ids[0]}"
            self.allow("script-src", _origin(settings.GOOGLE_TAG_SCRIPT_URL))
            self.allow("connect-src", _origin(settings.GOOGLE_TAG_SCRIPT_URL))
            tags.append({"kind": "gtag", "src": src, "ids": ",".join(google_ids)})
        if self.advertising and settings.META_PIXEL_ID:
            self.allow("script-src", _origin(settings.META_PIXEL_SCRIPT_URL))
            self.allow("connect-src", _origin(settings.META_PIXEL_SCRIPT_URL), *META_HOSTS)
            self.allow("img-src", *META_HOSTS)
            tags.append(
                {
                    "kind": "meta",
                    "src": settings.META_PIXEL_SCRIPT_URL,
                    "ids": settings.META_PIXEL_ID,
                }
            )
        return tags

    def allow_youtube(self) -> bool:
        if not self.advertising:
            return False
        self.allow("frame-src", YOUTUBE_EMBED_HOST)
        return True
