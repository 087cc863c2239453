"""Per-response widening of the Content-Security-Policy (django-csp's `_csp_update`).

The site-wide policy in settings keeps `form-action 'self'`. A page whose form is answered by a
redirect to another site (a payment provider's checkout, Google's consent screen) names exactly
that origin on its own response: Chromium checks the submitting page's `form-action` against
every redirect that follows the POST, so allowing it on the redirect response is too late.
"""

from urllib.parse import urlsplit

from django.http import HttpResponse


def origin_of(url: str) -> str:
    """scheme://host[:port] of `url` ("" when it has none), as CSP source expressions want it."""
    parts = urlsplit(url)
    if not (parts.scheme and parts.netloc):
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def allow_form_action(response: HttpResponse, origins: list[str]) -> HttpResponse:
    """Add `origins` to this response's `form-action`, keeping any other per-response update."""
    origins = [origin for origin in origins if origin]
    if origins:
        update = dict(getattr(response, "_csp_update", None) or {})
        update["form-action"] = sorted({*update.get("form-action", []), *origins})
        response._csp_update = update
    return response
