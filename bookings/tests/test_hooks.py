"""The payment link hook: payments installs the provider; without it there is no link."""

import pytest

from bookings.hooks import PaymentUrlHook, payment_url_hook

from .factories import ServiceFactory

pytestmark = pytest.mark.django_db


def test_without_payments_installed_there_is_no_payment_link():
    booking = ServiceFactory.build()  # any object: the hook never looks at it without a provider
    assert PaymentUrlHook().url(booking) is None


def test_payments_installs_its_payment_page_as_the_link_provider():
    from payments.selectors import payment_start_url

    assert payment_url_hook._provider is payment_start_url
