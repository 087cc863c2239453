"""The provider interface every payment integration implements.

A provider is stateless: everything it needs comes from the Payment row and settings. No method
may be called inside a database transaction (they talk to the network); the services call them
before or after `transaction.atomic`, never within.
"""

from dataclasses import dataclass, field
from typing import ClassVar

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse


class WebhookVerificationError(Exception):
    """A webhook whose signature, timestamp or format does not check out."""


@dataclass(frozen=True)
class WebhookNotification:
    """What a verified webhook tells us: which event, about which payment."""

    event_id: str
    event_type: str
    payment_reference: str = ""
    secondary_reference: str = ""


@dataclass(frozen=True)
class ProviderState:
    """The true state of a payment at the provider, in our own terms."""

    status: str  # one of Payment.Status
    captured_ore: int = 0
    refunded_ore: int = 0
    authorized_ore: int = 0
    secondary_reference: str = ""
    failure_reason: str = ""
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RefundResult:
    reference: str
    status: str  # one of Refund.Status
    error: str = ""


class PaymentProvider:
    """Base class for payment providers (pretix-style: one small class per provider).

    Subclasses set `identifier` and `display_name` and implement the network methods.
    """

    identifier: ClassVar[str] = ""
    display_name: ClassVar[str] = ""
    # Providers that only reserve money on approval (Vipps) are captured by us afterwards.
    needs_capture: ClassVar[bool] = False
    # False for a provider whose webhook names only the payment (Mollie): a repeated delivery
    # cannot be told from news by its body, so services/webhooks.py dedupes on our own state.
    webhook_has_event_ids: ClassVar[bool] = True

    @property
    def choice_identifier(self) -> str:
        """What the customer picks on the payment page (console mode keeps the real name)."""
        return self.identifier

    def is_configured(self) -> bool:
        """True when credentials are present; otherwise only console mode is possible."""
        raise NotImplementedError

    def start_payment(self, payment, *, site_url: str) -> str:
        """Create the payment at the provider and return the URL to send the customer to.

        `site_url` is the origin the customer is using (scheme://host[:port], from the request;
        SITE_URL outside one): the return and cancel links are built on it so the customer
        comes back to the host that holds their session. Webhooks always use SITE_URL.
        Sets `payment.provider_reference` (and a secondary reference when the provider has
        one) on the instance; the caller saves it. Uses `payment.public_id` as idempotency key.
        """
        raise NotImplementedError

    def checkout_origins(self) -> list[str]:
        """Origins the customer's browser is sent to by `start_payment` (the checkout page).

        The payment page's CSP `form-action` allows exactly these: Chromium applies
        form-action to the redirect that answers the pay form's POST.
        """
        return []

    def handle_webhook(self, request: HttpRequest) -> WebhookNotification:
        """Verify the request and say which event and payment it concerns.

        Raises WebhookVerificationError for a forged, stale or malformed request.
        """
        raise NotImplementedError

    def refresh(self, payment) -> ProviderState:
        """Fetch the payment's true state from the provider."""
        raise NotImplementedError

    def capture(self, payment, amount_ore: int) -> None:
        """Capture reserved money (only for providers with `needs_capture`)."""
        raise NotImplementedError

    def refund(self, payment, amount_ore: int, *, idempotency_key: str) -> RefundResult:
        """Send `amount_ore` back to the customer; the same key never refunds twice."""
        raise NotImplementedError

    def refund_status(self, payment, refund) -> RefundResult:
        """Ask the provider how a refund that was sent earlier is doing."""
        return RefundResult(reference=refund.provider_reference, status=refund.status)

    def erase_payment_data(self, payment) -> None:
        """Drop whatever this provider left in `payment.provider_data` that the law does not need.

        Providers keep their own transaction records under their own legal duty; what we can
        erase is our copy. The caller saves the row.
        """
        keep = {"status"}
        payment.provider_data = {k: v for k, v in payment.provider_data.items() if k in keep}

    # Helpers shared by the providers.
    @staticmethod
    def absolute_url(path: str, site_url: str = "") -> str:
        return f"{(site_url or settings.SITE_URL).rstrip('/')}{path}"

    def return_url(self, payment, site_url: str = "") -> str:
        return self.absolute_url(reverse("payments:return", args=[payment.public_id]), site_url)

    def cancel_url(self, payment, site_url: str = "") -> str:
        path = reverse("payments:choose", args=[payment.order.booking_reference])
        return self.absolute_url(path, site_url)

    def webhook_url(self) -> str:
        return self.absolute_url(reverse(f"payments_webhooks:{self.identifier}"))

    def description(self, payment) -> str:
        order = payment.order
        return f"{order.supplier.name} {order.booking_reference}"[:120]
