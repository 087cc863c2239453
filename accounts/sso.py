"""Single sign-on (allauth's OpenID Connect provider) under the site's strict CSP.

allauth's button leads to a confirmation page whose form POSTs to the provider login URL; the
answer is a redirect to the identity provider's `authorization_endpoint`, which allauth reads
from the provider's discovery document (`<server_url>/.well-known/openid-configuration`).
Chromium checks that redirect against the confirmation page's `form-action`, so that page must
name the authorization origin itself (bookingtjeneste/csp.py); `form-action 'self'` stays for
every other page.
"""

import hashlib
import json
import logging

import requests
from allauth.socialaccount.providers.openid_connect import views as openid_connect_views
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from bookingtjeneste.csp import allow_form_action, origin_of
from bookingtjeneste.unavailable import service_unavailable_response

logger = logging.getLogger(__name__)

# The discovery document rarely changes; a fresh one is read at most this often per provider.
AUTHORIZATION_ORIGIN_CACHE_SECONDS = 60 * 60


def authorization_origin(*, request: HttpRequest, provider_id: str) -> str:
    """Origin of `provider_id`'s authorization endpoint, exactly as allauth will redirect to it.

    Read through allauth's own adapter, so the same discovery document, HTTP session and
    `openid_configuration_overrides` apply. Raises `SocialApp.DoesNotExist` for an unknown
    provider. When the discovery document cannot be read, the configured server URL's origin
    is returned and nothing is cached (the login itself needs that document anyway).
    """
    adapter = openid_connect_views.OpenIDConnectOAuth2Adapter(request, provider_id)
    app = adapter.get_provider().app
    # Keyed on what the answer depends on, so a changed server URL is never answered from an
    # old entry (the cache is Redis in production and outlives a deploy).
    fingerprint = hashlib.sha256(
        json.dumps(
            [
                provider_id,
                app.settings.get("server_url", ""),
                app.settings.get("openid_configuration_overrides", {}),
            ],
            sort_keys=True,
        ).encode()
    ).hexdigest()
    key = f"sso:authorization-origin:{fingerprint}"
    origin = cache.get(key)
    if origin:
        return origin
    try:
        origin = origin_of(adapter.authorize_url)
    except (requests.RequestException, ValueError, KeyError):
        logger.warning(
            "OpenID Connect discovery document unreadable", extra={"provider": provider_id}
        )
        return origin_of(app.settings.get("server_url", ""))
    if origin:
        cache.set(key, origin, AUTHORIZATION_ORIGIN_CACHE_SECONDS)
    return origin


def provider_login(request: HttpRequest, provider_id: str) -> HttpResponse:
    """allauth's OpenID Connect login view, its confirmation page allowed to reach the provider."""
    try:
        response = openid_connect_views.login(request, provider_id)
    except requests.RequestException:
        # The identity provider (its discovery document) is down: retryable, not our bug.
        logger.warning("OpenID Connect provider unreachable", extra={"provider": provider_id})
        return service_unavailable_response(request)
    # Only a rendered page can hold the form; redirects and errors need no widening.
    if response.status_code == 200:
        allow_form_action(
            response, [authorization_origin(request=request, provider_id=provider_id)]
        )
    return response
