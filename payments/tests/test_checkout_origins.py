"""Which checkout origins the payment page allows in its CSP, and what happens for any other."""

import pytest
from django.urls import reverse

from payments.models import Payment
from payments.providers.mollie import MollieProvider
from payments.providers.stripe import StripeProvider
from payments.providers.vipps import VippsProvider

pytestmark = pytest.mark.django_db


def _form_action(response) -> set[str]:
    for directive in response["Content-Security-Policy"].split(";"):
        name, *sources = directive.split()
        if name == "form-action":
            return set(sources)
    return set()


def test_production_checkout_origins_without_overrides(settings):
    settings.STRIPE_API_URL = settings.MOLLIE_API_URL = settings.VIPPS_API_URL = ""
    assert StripeProvider().checkout_origins() == ["https://checkout.stripe.com"]
    assert VippsProvider().checkout_origins() == [
        "https://api.vipps.no",
        "https://landing.vipps.no",
        "https://pay.vipps.no",
    ]
    assert MollieProvider().checkout_origins() == ["https://www.mollie.com"]


def test_vipps_test_environment_uses_its_own_landing_page(settings):
    settings.VIPPS_API_URL = "https://apitest.vipps.no/"
    assert VippsProvider().checkout_origins() == [
        "https://apitest.vipps.no",
        "https://pay-mt.vipps.no",
    ]


def test_pay_page_allows_only_the_offered_providers_checkout(
    client, booking, stripe_fake, settings
):
    booking.supplier.payment_settings.enabled_providers = ["stripe"]
    booking.supplier.payment_settings.save()
    client.force_login(booking.customer)
    response = client.get(reverse("payments:choose", args=[booking.reference]))
    assert response.status_code == 200
    assert _form_action(response) == {"'self'", stripe_fake.url}
    # Every other page keeps form-action 'self'.
    assert _form_action(client.get("/")) == {"'self'"}


def test_checkout_on_an_unexpected_origin_gets_a_link_not_a_blocked_redirect(
    client, booking, stripe_fake
):
    stripe_fake.checkout_base = "https://checkout.stripe.test"  # as if Stripe had moved it
    client.force_login(booking.customer)
    response = client.post(
        reverse("payments:choose", args=[booking.reference]), {"provider": "stripe"}
    )
    payment = Payment.objects.get(order__booking=booking)
    assert response.status_code == 200
    assert payment.redirect_url.startswith("https://checkout.stripe.test/")
    assert f'href="{payment.redirect_url}"' in response.content.decode()


def test_checkout_on_an_allowed_origin_is_a_redirect(client, booking, stripe_fake):
    client.force_login(booking.customer)
    response = client.post(
        reverse("payments:choose", args=[booking.reference]), {"provider": "stripe"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(f"{stripe_fake.url}/c/pay/")


def test_return_links_follow_the_host_the_customer_uses(client, booking, stripe_fake, settings):
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    client.force_login(booking.customer)
    client.post(
        reverse("payments:choose", args=[booking.reference]),
        {"provider": "stripe"},
        HTTP_HOST="localhost:8123",
    )
    created = stripe_fake.calls("POST", "/v1/checkout/sessions")[-1].form()
    payment = Payment.objects.get(order__booking=booking)
    assert created["success_url"] == f"http://localhost:8123/pay/return/{payment.public_id}/"
    # Webhooks are called by the provider's servers: always the public SITE_URL.
    assert settings.SITE_URL in StripeProvider().webhook_url()
