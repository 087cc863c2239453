"""Every cookie the site can set: what /cookies/ lists (name, purpose, lifetime, party)."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .purposes import Purpose


@dataclass(frozen=True)
class CookieInfo:
    name: str
    provider: str
    purpose: Promise
    lifetime: Promise
    first_party: bool
    # None = strictly necessary (no consent asked, Ekomloven § 3-15 exception).
    consent_purpose: str | None = None


def cookie_register() -> list[CookieInfo]:
    return [
        CookieInfo(
            settings.SESSION_COOKIE_NAME,
            "Bookingtjeneste",
            _("Keeps you logged in and remembers a booking in progress. Strictly necessary."),
            _("2 weeks, or until you log out"),
            True,
        ),
        CookieInfo(
            settings.CSRF_COOKIE_NAME,
            "Bookingtjeneste",
            _("Protects forms against cross-site request forgery. Strictly necessary."),
            _("1 year"),
            True,
        ),
        CookieInfo(
            settings.LANGUAGE_COOKIE_NAME,
            "Bookingtjeneste",
            _("Remembers the language you chose. Strictly necessary (set only when you choose)."),
            _("Until the browser is closed"),
            True,
        ),
        CookieInfo(
            settings.CONSENT_COOKIE_NAME,
            "Bookingtjeneste",
            _(
                "A random identifier that links your cookie choice to our consent record, so we "
                "can respect and prove it. Set only when you answer the cookie question. Strictly "
                "necessary."
            ),
            _("13 months"),
            True,
        ),
        CookieInfo(
            "_ga, _ga_<id>",
            "Google Analytics (Google Ireland Ltd.)",
            _("Distinguishes visitors to count page views and visits (statistics)."),
            _("2 years"),
            False,
            Purpose.ANALYTICS_COOKIES,
        ),
        CookieInfo(
            "_gcl_au, IDE, test_cookie",
            "Google Ads (Google Ireland Ltd.)",
            _("Measures ad conversions and shows tailored ads on other websites."),
            _("3 months to 13 months"),
            False,
            Purpose.ADVERTISING_COOKIES,
        ),
        CookieInfo(
            "_fbp, fr",
            "Meta (Facebook) Pixel",
            _("Measures ads on Facebook/Instagram and builds advertising audiences."),
            _("3 months"),
            False,
            Purpose.ADVERTISING_COOKIES,
        ),
        CookieInfo(
            "YouTube (youtube-nocookie.com): local storage, VISITOR_INFO1_LIVE",
            "Google (YouTube)",
            _("Plays an embedded video after you click it; YouTube may store data for ads."),
            _("Up to 6 months"),
            False,
            Purpose.ADVERTISING_COOKIES,
        ),
    ]
