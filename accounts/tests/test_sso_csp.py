"""Which identity-provider origin the single sign-on confirmation page allows in `form-action`.

The browser side (Chromium following the redirect) is tests/browser/test_sso_login.py.
"""

import pytest

from accounts.tests.oidc_fake import (
    FakeAuthorizePage,
    FakeOpenIDIssuer,
    configure_openid_connect,
    openid_connect_app,
)

pytestmark = pytest.mark.django_db


def _form_action(response) -> set[str]:
    for directive in response["Content-Security-Policy"].split(";"):
        name, *sources = directive.split()
        if name == "form-action":
            return set(sources)
    return set()


@pytest.fixture
def two_providers(settings):
    """WordPress and Vipps, each an issuer whose discovery document names its own login host."""
    fakes = {}
    apps = []
    for provider_id, name in [("wordpress", "WordPress"), ("vipps", "Vipps")]:
        login_host = FakeAuthorizePage()
        issuer = FakeOpenIDIssuer(login_host)
        fakes[provider_id] = issuer
        apps.append(openid_connect_app(provider_id, name, issuer.url))
    configure_openid_connect(settings, apps)
    yield fakes
    for issuer in fakes.values():
        issuer.stop()
        issuer.login_host.stop()


def test_confirmation_page_allows_exactly_that_providers_authorization_origin(
    client, two_providers
):
    wordpress, vipps = two_providers["wordpress"], two_providers["vipps"]

    response = client.get("/accounts/oidc/wordpress/login/")

    assert response.status_code == 200
    # The origin the discovery document names, not the issuer's, nor the other provider's.
    assert _form_action(response) == {"'self'", wordpress.login_host.url}
    assert vipps.discovery_requests() == 0


def test_the_post_redirects_to_the_allowed_origin(client, two_providers):
    vipps = two_providers["vipps"]
    allowed = _form_action(client.get("/accounts/oidc/vipps/login/"))

    response = client.post("/accounts/oidc/vipps/login/")

    assert response.status_code == 302
    assert response["Location"].startswith(f"{vipps.login_host.url}/authorize?")
    assert vipps.login_host.url in allowed


def test_discovery_document_is_read_once_for_the_page(client, two_providers):
    wordpress = two_providers["wordpress"]
    client.get("/accounts/oidc/wordpress/login/")
    client.get("/accounts/oidc/wordpress/login/")
    assert wordpress.discovery_requests() == 1


def test_unreadable_discovery_document_falls_back_to_the_server_url(client, two_providers):
    wordpress = two_providers["wordpress"]
    wordpress.fail_next = [503]

    response = client.get("/accounts/oidc/wordpress/login/")

    assert response.status_code == 200
    assert _form_action(response) == {"'self'", wordpress.url}
    # The failure is not remembered: the next page reads the document again.
    assert _form_action(client.get("/accounts/oidc/wordpress/login/")) == {
        "'self'",
        wordpress.login_host.url,
    }


def test_login_page_and_unknown_providers_keep_self_only(client, two_providers):
    # The buttons on the login page are links (GET): its own forms stay on this site.
    login_page = client.get("/accounts/login/")
    assert _form_action(login_page) == {"'self'"}
    assert b"/accounts/oidc/wordpress/login/" in login_page.content
    assert client.get("/accounts/oidc/nobody/login/").status_code == 404


def test_identity_provider_down_at_sign_in_is_a_503_not_a_500(client, two_providers):
    # The discovery document cannot be read when the person presses "Continue": a provider
    # outage, so a retryable 503 that says so, never a server error.
    wordpress = two_providers["wordpress"]
    wordpress.fail_next = [503, 503, 503]

    response = client.post("/accounts/oidc/wordpress/login/")

    assert response.status_code == 503
    assert response["Retry-After"]
    assert "Prøv igjen" in response.content.decode()
