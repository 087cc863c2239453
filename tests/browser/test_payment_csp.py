"""The strict CSP against the other pages it broke: Google's consent redirect and /api/docs/.

The same defect as the pay form (tests/browser/test_payment_redirect.py): Chromium applies the
page's `form-action` to the redirect after a form POST, and the Swagger UI page ran an inline
script that `script-src 'self'` blocks, leaving it blank.
"""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.test import Client

from accounts import roles
from accounts.tests.factories import StaffUserFactory
from bookings.models import SupplierStaff
from bookings.tests.factories import ResourceFactory, SupplierFactory
from payments.tests.fakes import FakeServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class FakeConsentScreen(FakeServer):
    """Google's OAuth consent screen, on its own local origin."""

    def route(self, request):
        return 200, '<!doctype html><title>Fake Google</title><h1 data-testid="consent">OK</h1>'


def _csp_messages(page) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


def _signed_in(page, user, live_server) -> None:
    """Give the browser a session for `user` (staff sign-in with TOTP is tested elsewhere)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )


def test_connect_google_calendar_reaches_googles_consent_screen(page, live_server, settings):
    for role in roles.ALL_ROLES:
        Group.objects.get_or_create(name=role)
    google = FakeConsentScreen()
    settings.GOOGLE_OAUTH_CLIENT_ID = "test-client-id.apps.googleusercontent.com"
    settings.GOOGLE_OAUTH_CLIENT_SECRET = "test-client-secret"
    settings.GOOGLE_OAUTH_AUTH_URL = f"{google.url}/o/oauth2/v2/auth"
    try:
        supplier = SupplierFactory(slug="salong-kal", name="Salong Kal")
        resource = ResourceFactory(supplier=supplier, name="Ingrid")
        staff = StaffUserFactory()
        SupplierStaff.objects.create(user=staff, supplier=supplier)
        TOTP.activate(staff, generate_totp_secret())
        violations = _csp_messages(page)
        _signed_in(page, staff, live_server)

        page.goto(f"/calendar/connect/{resource.pk}/")
        page.get_by_role("button", name="Koble til Google Kalender").click()

        page.wait_for_url(f"{google.url}/o/oauth2/v2/auth?**")
        assert page.get_by_test_id("consent").is_visible()
        assert "client_id=test-client-id" in page.url
        assert violations == []
    finally:
        google.stop()


def test_api_docs_render_their_operations_without_csp_violations(page):
    violations = _csp_messages(page)
    page.goto("/api/docs/")
    operations = page.locator(".opblock-summary-path")
    operations.first.wait_for(state="visible", timeout=15_000)
    paths = operations.all_inner_texts()
    assert any(path.startswith("/api/v1/bookings/") for path in paths)
    assert violations == []
    # Swagger UI is served from our static files, and its online validator badge is off.
    assert page.request_log.non_local() == []
