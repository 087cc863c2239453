"""A local OpenID Connect identity provider for single sign-on tests.

Two fake servers, each on its own local port (so its own origin): the issuer, which serves the
discovery document allauth fetches, and the login host that document names as the
`authorization_endpoint`. Keeping them apart proves the login page allows the origin the
discovery document names, not merely the configured server URL.
"""

from payments.tests.fakes import FakeServer


class FakeAuthorizePage(FakeServer):
    """The identity provider's sign-in page the browser is sent to."""

    def route(self, request):
        if request.path.startswith("/authorize"):
            return 200, (
                "<!doctype html><title>Fake identity provider</title>"
                '<h1 data-testid="idp-login">Sign in at the identity provider</h1>'
            )
        return 404, {"error": "not_found"}


class FakeOpenIDIssuer(FakeServer):
    """Serves `/.well-known/openid-configuration` pointing at `login_host` for authorization."""

    def __init__(self, login_host: FakeAuthorizePage) -> None:
        self.login_host = login_host
        super().__init__()

    def route(self, request):
        if request.path == "/.well-known/openid-configuration":
            return 200, {
                "issuer": self.url,
                "authorization_endpoint": f"{self.login_host.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "userinfo_endpoint": f"{self.url}/userinfo",
                "jwks_uri": f"{self.url}/jwks.json",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        return 404, {"error": "not_found"}

    def discovery_requests(self) -> int:
        return len(self.calls("GET", "/.well-known/openid-configuration"))


def openid_connect_app(provider_id: str, name: str, server_url: str) -> dict:
    """One entry of SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"], as settings.py builds it."""
    return {
        "provider_id": provider_id,
        "name": name,
        "client_id": f"{provider_id}-client-id",
        "secret": f"{provider_id}-client-secret",
        "settings": {"server_url": server_url},
    }


def configure_openid_connect(settings, apps: list[dict]) -> None:
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"APPS": apps, "OAUTH_PKCE_ENABLED": True}
    }
