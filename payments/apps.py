from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from bookings.hooks import payment_url_hook

        from . import receivers  # noqa: F401  (connects the booking_cancelled receiver)
        from .providers.mollie import MollieProvider
        from .providers.registry import registry
        from .providers.stripe import StripeProvider
        from .providers.vipps import VippsProvider
        from .selectors import payment_start_url

        # Display order on the payment page: Vipps first, as Norwegian customers expect.
        for provider in (VippsProvider(), StripeProvider(), MollieProvider()):
            if provider.identifier not in registry.identifiers():
                registry.register(provider)

        # Bookings shows the payment link (confirmation page, API) without importing payments.
        payment_url_hook.install(payment_start_url)
