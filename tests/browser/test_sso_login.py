"""Single sign-on in a real Chromium: the button must reach the identity provider.

allauth's OpenID Connect button leads to a confirmation page whose form POSTs to our provider
login URL, answered by a redirect to the provider's `authorization_endpoint` on another
origin. Chromium checks that redirect against the confirmation page's CSP `form-action`, so the
site-wide `form-action 'self'` stopped every sign-in before it reached the provider.
"""

from urllib.parse import parse_qs, urlsplit

import pytest

from accounts.tests.oidc_fake import (
    FakeAuthorizePage,
    FakeOpenIDIssuer,
    configure_openid_connect,
    openid_connect_app,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _csp_messages(page) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


@pytest.mark.parametrize(("provider_id", "name"), [("wordpress", "WordPress"), ("vipps", "Vipps")])
def test_sso_button_lands_on_the_identity_providers_sign_in_page(
    page, live_server, settings, provider_id, name
):
    login_host = FakeAuthorizePage()
    issuer = FakeOpenIDIssuer(login_host)
    configure_openid_connect(settings, [openid_connect_app(provider_id, name, issuer.url)])
    try:
        violations = _csp_messages(page)
        page.goto("/accounts/login/")
        page.get_by_role("link", name=name).click()
        page.get_by_role("button", name="Fortsett").click()

        page.wait_for_url(f"{login_host.url}/authorize?**", timeout=15_000)
        assert page.get_by_test_id("idp-login").is_visible()
        query = parse_qs(urlsplit(page.url).query)
        assert query["client_id"] == [f"{provider_id}-client-id"]
        assert query["redirect_uri"] == [
            f"{live_server.url}/accounts/oidc/{provider_id}/login/callback/"
        ]
        assert query["code_challenge_method"] == ["S256"]
        assert violations == []
    finally:
        issuer.stop()
        login_host.stop()
