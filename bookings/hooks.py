"""What bookings needs from the apps above it, answered by those apps at startup.

Bookings never imports payments (payments builds on bookings). The one payment fact bookings
shows, where the customer pays for a booking awaiting payment, is a provider function that
payments installs in its `AppConfig.ready()`. Without payments installed there is nothing to pay:
no link.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from .models import Booking

PaymentUrlProvider = Callable[["Booking", HttpRequest | None], str | None]


class PaymentUrlHook:
    """Holds the installed provider of payment links; installing again replaces it."""

    def __init__(self) -> None:
        self._provider: PaymentUrlProvider | None = None

    def install(self, provider: PaymentUrlProvider) -> None:
        self._provider = provider

    def url(self, booking: Booking, request: HttpRequest | None = None) -> str | None:
        if self._provider is None:
            return None
        return self._provider(booking, request)


payment_url_hook = PaymentUrlHook()
