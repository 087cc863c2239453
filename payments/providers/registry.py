"""The provider registry, filled in PaymentsConfig.ready()."""

from django.conf import settings

from .base import PaymentProvider
from .console import ConsoleProvider


class ProviderRegistry:
    def __init__(self) -> None:
        self._providers: dict[str, PaymentProvider] = {}

    def register(self, provider: PaymentProvider) -> None:
        if provider.identifier in self._providers:
            raise ValueError(f"Payment provider {provider.identifier!r} registered twice")
        self._providers[provider.identifier] = provider

    def identifiers(self) -> list[str]:
        return list(self._providers)

    def choices(self) -> list[tuple[str, str]]:
        return [(p.identifier, p.display_name) for p in self._providers.values()]

    def get(self, identifier: str) -> PaymentProvider:
        """The real provider; KeyError for an unknown identifier."""
        return self._providers[identifier]

    def usable(self, identifier: str) -> tuple[PaymentProvider, bool] | None:
        """(provider to use, is_console) for a new payment, or None when it cannot be offered.

        Without credentials a provider is offered only in console mode, and only with DEBUG.
        """
        provider = self._providers.get(identifier)
        if provider is None:
            return None
        if provider.is_configured():
            return provider, False
        if settings.DEBUG:
            return ConsoleProvider(provider), True
        return None

    def for_payment(self, payment) -> PaymentProvider:
        """The provider that handles an existing payment (console payments stay simulated)."""
        provider = self._providers[payment.provider]
        return ConsoleProvider(provider) if payment.is_console else provider


registry = ProviderRegistry()
