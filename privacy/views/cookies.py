"""The cookie banner's endpoint, the cookie settings page and the /cookies/ statement."""

from http.cookies import Morsel

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..cookie_register import cookie_register
from ..forms import WORDING_CHANGED, WORDING_CHANGED_CODE, CookieChoiceForm
from ..ratelimit import client_key, rate_limit_exceeded, rate_parse
from ..selectors import cookie_purpose_choices
from ..services import cookie_choice_record
from ..services.cookies import cookie_domains, tracking_cookies_to_expire

CONSENT_COOKIE_MAX_AGE = 60 * 60 * 24 * 395  # 13 months: the choice is asked again after 12


def expire_tracking_cookies(request: HttpRequest, response: HttpResponse, granted: set[str]):
    """Delete the tags' cookies of every purpose not granted, for the host and each parent
    domain: a withdrawal must not leave _ga/_gcl_au/_fbp behind (static/js/consent.js does the
    same in the browser for cookies a cached tag sets later)."""
    names = tracking_cookies_to_expire(cookie_names=request.COOKIES, granted=granted)
    for name in names:
        for domain in cookie_domains(request.get_host()):
            # One Set-Cookie per (name, domain): response.cookies is keyed by name, so each
            # extra domain goes in under its own key as a ready Morsel (Morsel.output uses its
            # own name); this is how http.cookies lets a response carry several.
            morsel = Morsel()
            morsel.set(name, "", "")
            morsel["expires"] = "Thu, 01 Jan 1970 00:00:00 GMT"
            morsel["max-age"] = 0
            morsel["path"] = "/"
            if domain:
                morsel["domain"] = domain
            response.cookies[f"{name} {domain or ''}".strip()] = morsel
    return response


def _safe_next(request: HttpRequest, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


def cookies(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/cookies.html", {"cookies": cookie_register()})


def cookie_settings(request: HttpRequest) -> HttpResponse:
    purposes = cookie_purpose_choices(language=get_language())
    return render(
        request,
        "privacy/cookie_settings.html",
        {"purposes": purposes, "next": _safe_next(request, request.GET.get("next", ""))},
    )


@require_POST
def cookie_consent(request: HttpRequest) -> HttpResponse:
    form = CookieChoiceForm(request.POST)
    if not form.is_valid():
        changed = form.has_error("choice", code=WORDING_CHANGED_CODE)
        return render(
            request,
            "privacy/cookie_settings.html",
            {
                "purposes": cookie_purpose_choices(language=get_language()),
                "next": _safe_next(request, request.POST.get("next", "")) if changed else "/",
                "error": WORDING_CHANGED if changed else _("Please choose one of the buttons."),
            },
            status=400,
        )
    next_url = _safe_next(request, form.cleaned_data.get("next", ""))
    if form.cleaned_data["choice"] == "choose":
        # Without JavaScript "Choose" opens the full settings page; with it, the banner expands.
        query = f"?next={next_url}" if next_url != "/" else ""
        return HttpResponseRedirect(reverse("privacy:cookie-settings") + query)
    limit, window = rate_parse(settings.CONSENT_CHANGE_RATE)
    if rate_limit_exceeded(
        scope="cookie", key=client_key(request), limit=limit, window_seconds=window
    ):
        return render(
            request,
            "privacy/cookie_settings.html",
            {
                "purposes": cookie_purpose_choices(language=get_language()),
                "next": next_url,
                "error": _("Too many changes in a short time. Try again in a minute."),
            },
            status=429,
        )
    granted = form.granted()
    consent_id = cookie_choice_record(request=request, granted=granted)
    response = HttpResponseRedirect(next_url)
    if request.consent.signal_refuses:
        granted = set()
    expire_tracking_cookies(request, response, granted)
    if consent_id is not None:
        response.set_cookie(
            settings.CONSENT_COOKIE_NAME,
            str(consent_id),
            max_age=CONSENT_COOKIE_MAX_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response
