"""Paying in a real Chromium: the pay form must reach the provider's checkout on another origin.

Chromium applies the page's CSP `form-action` to every redirect that follows a form POST, so
the redirect from our pay form to Stripe/Vipps/Mollie is only followed when the policy of the
page with the form allows the provider's checkout origin. Each fake provider here serves its
API *and* its checkout page on its own local port: a different origin from the live server.
"""

from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from accounts.tests.factories import TEST_PASSWORD, UserFactory
from bookings.models import Booking, Service
from bookings.tests.factories import ResourceFactory, ServiceFactory, SupplierFactory
from payments.models import Payment
from payments.tests.factories import PaymentSettingsFactory
from payments.tests.fakes import MollieFake, StripeFake, VippsFake

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def prepaid_service():
    for role in roles.ALL_ROLES:
        Group.objects.get_or_create(name=role)
    supplier = SupplierFactory(slug="salong-betal", name="Salong Betal")
    resource = ResourceFactory(supplier=supplier, name="Ingrid")
    service = ServiceFactory(
        supplier=supplier,
        resources=[resource],
        name="Farging",
        price_ore=80_000,
        payment_mode=Service.PaymentMode.FULL,
    )
    return service


def _configure(settings, provider: str):
    """Start the provider's fake, point the real integration at it, return the fake."""
    if provider == "stripe":
        fake = StripeFake()
        settings.STRIPE_SECRET_KEY = "sk_test_fake"
        settings.STRIPE_WEBHOOK_SECRET = "whsec_test_secret"
        settings.STRIPE_API_URL = fake.url
    elif provider == "vipps":
        fake = VippsFake()
        settings.VIPPS_CLIENT_ID = "client-id"
        settings.VIPPS_CLIENT_SECRET = "client-secret"
        settings.VIPPS_SUBSCRIPTION_KEY = "subscription-key"
        settings.VIPPS_MERCHANT_SERIAL_NUMBER = "123456"
        settings.VIPPS_WEBHOOK_SECRET = "vipps-webhook-secret"
        settings.VIPPS_API_URL = fake.url
    else:
        fake = MollieFake()
        settings.MOLLIE_API_KEY = "test_fakemolliekey"
        settings.MOLLIE_API_URL = fake.url
    return fake  # its checkout page is served on the fake's own origin


@pytest.fixture(params=["stripe", "vipps", "mollie"])
def provider_fake(request, settings, prepaid_service):
    settings.DEBUG = False  # a real provider, never the console simulation
    PaymentSettingsFactory(supplier=prepaid_service.supplier, enabled_providers=[request.param])
    fake = _configure(settings, request.param)
    yield request.param, fake
    fake.stop()


def _log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    reject = page.get_by_test_id("cookie-reject")
    if reject.count() and reject.is_visible():
        reject.click()
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")


def _book(page) -> Booking:
    page.goto("/s/salong-betal/")
    page.get_by_role("link", name="Farging").first.click()
    page.get_by_test_id("next-week").click()
    page.wait_for_load_state("networkidle")
    page.locator("input[type=radio][name=start]").first.check()
    page.get_by_role("button", name="Fortsett").click()
    page.get_by_role("button", name="Bestill", exact=True).click()
    page.wait_for_url("**/my/bookings/BK-*/")
    return Booking.objects.get(reference=page.url.rstrip("/").rsplit("/", 1)[1])


def _csp_violations(page) -> list[str]:
    messages: list[str] = []
    page.on(
        "console",
        lambda message: (
            messages.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return messages


def test_clicking_pay_lands_on_the_providers_checkout_on_another_origin(page, provider_fake):
    provider, fake = provider_fake
    customer = UserFactory()
    violations = _csp_violations(page)
    _log_in(page, customer.email)
    booking = _book(page)
    assert booking.status == Booking.Status.PENDING_PAYMENT

    page.get_by_role("link", name="Betal nå").click()
    page.wait_for_url(f"**/pay/{booking.reference}/")
    page.locator("input[name=provider]").first.check()
    page.get_by_role("button", name="Gå videre til betaling").click()

    page.wait_for_url(f"{fake.url}/**")
    assert page.get_by_test_id("fake-checkout").is_visible()
    payment = Payment.objects.get(order__booking=booking)
    assert payment.provider == provider and payment.status == Payment.Status.PENDING
    assert violations == []


def test_opened_as_localhost_the_pay_link_and_return_address_stay_on_localhost(
    browser, live_server, settings, prepaid_service
):
    settings.DEBUG = False
    settings.SITE_URL = "http://127.0.0.1:8000"  # the configured public address: not this one
    PaymentSettingsFactory(supplier=prepaid_service.supplier, enabled_providers=["stripe"])
    fake = _configure(settings, "stripe")
    port = urlsplit(live_server.url).port
    origin = f"http://localhost:{port}"
    context = browser.new_context(base_url=origin, locale="nb-NO")
    page = context.new_page()
    try:
        customer = UserFactory()
        _log_in(page, customer.email)
        booking = _book(page)
        assert page.url.startswith(origin)

        pay_link = page.get_by_role("link", name="Betal nå")
        assert pay_link.get_attribute("href") == f"{origin}/pay/{booking.reference}/"
        pay_link.click()
        page.wait_for_url(f"{origin}/pay/{booking.reference}/")
        page.locator("input[name=provider]").first.check()
        page.get_by_role("button", name="Gå videre til betaling").click()
        page.wait_for_url(f"{fake.url}/**")

        # Back from the provider the customer must land where their session is.
        created = fake.calls("POST", "/v1/checkout/sessions")[-1].form()
        payment = Payment.objects.get(order__booking=booking)
        assert created["success_url"] == f"{origin}/pay/return/{payment.public_id}/"
        assert created["cancel_url"] == f"{origin}/pay/{booking.reference}/"
    finally:
        context.close()
        fake.stop()
