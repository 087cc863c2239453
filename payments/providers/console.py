"""Console mode: a provider without credentials, simulated on a local page (DEBUG only).

The simulated outcome is stored on the Payment row; `refresh` reads it back, so the rest of the
flow (confirmation, receipt, refunds) runs exactly the code a real provider would.
"""

import uuid

from django.http import HttpRequest
from django.urls import reverse

from bookingtjeneste.providers import PermanentProviderError

from .base import (
    PaymentProvider,
    ProviderState,
    RefundResult,
    WebhookNotification,
    WebhookVerificationError,
)

SIMULATED_STATUS_KEY = "console_status"


class ConsoleProvider(PaymentProvider):
    """Stands in for `simulated` (the provider the customer chose) when it has no credentials."""

    identifier = "console"

    def __init__(self, simulated: PaymentProvider) -> None:
        self.simulated = simulated

    @property
    def display_name(self):  # type: ignore[override]
        return self.simulated.display_name

    @property
    def choice_identifier(self) -> str:
        return self.simulated.identifier

    def is_configured(self) -> bool:
        return True

    def start_payment(self, payment, *, site_url: str) -> str:
        payment.provider_reference = f"console-{self.simulated.identifier}-{payment.public_id.hex}"
        payment.provider_data = {**payment.provider_data, SIMULATED_STATUS_KEY: "pending"}
        return self.absolute_url(reverse("payments:console", args=[payment.public_id]), site_url)

    def handle_webhook(self, request: HttpRequest) -> WebhookNotification:
        raise WebhookVerificationError("Console payments have no webhooks")

    def refresh(self, payment) -> ProviderState:
        status = payment.provider_data.get(SIMULATED_STATUS_KEY, "pending")
        if status == "paid":
            return ProviderState(
                status="paid", captured_ore=payment.amount_ore, authorized_ore=payment.amount_ore
            )
        return ProviderState(status=status)

    def capture(self, payment, amount_ore: int) -> None:
        payment.provider_data = {**payment.provider_data, SIMULATED_STATUS_KEY: "paid"}

    def refund(self, payment, amount_ore: int, *, idempotency_key: str) -> RefundResult:
        if amount_ore > payment.refundable_ore:
            raise PermanentProviderError("Console: more than the captured amount would be refunded")
        return RefundResult(
            reference=f"console-refund-{uuid.uuid5(uuid.NAMESPACE_URL, idempotency_key).hex}",
            status="succeeded",
        )
