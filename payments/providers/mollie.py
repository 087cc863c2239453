"""Mollie through the official `mollie-api-python` SDK."""

import re

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from mollie.api.client import Client
from mollie.api.error import Error as MollieError
from mollie.api.error import RequestError, ResponseError

from bookingtjeneste.csp import origin_of
from bookingtjeneste.providers import PermanentProviderError, ProviderError, TransientProviderError

from .base import (
    PaymentProvider,
    ProviderState,
    RefundResult,
    WebhookNotification,
    WebhookVerificationError,
)

# Mollie's hosted checkout (payment._links.checkout) is served from www.mollie.com.
CHECKOUT_ORIGIN = "https://www.mollie.com"
PAYMENT_ID = re.compile(r"^tr_[A-Za-z0-9]{1,64}$")

_STATUSES = {
    "open": "pending",
    "pending": "pending",
    "authorized": "authorized",
    "paid": "paid",
    "failed": "failed",
    "canceled": "cancelled",
    "expired": "expired",
}
_REFUND_STATUSES = {
    "queued": "processing",
    "pending": "processing",
    "processing": "processing",
    "refunded": "succeeded",
    "failed": "failed",
    "canceled": "failed",
}


def amount_to_mollie(amount_ore: int, currency: str) -> dict:
    return {"currency": currency, "value": f"{amount_ore // 100}.{amount_ore % 100:02d}"}


def amount_from_mollie(amount: dict | None) -> int:
    if not amount:
        return 0
    kroner, _sep, ore = str(amount["value"]).partition(".")
    return int(kroner) * 100 + int((ore + "00")[:2])


def _translate_errors(error: MollieError) -> ProviderError:
    status = getattr(error, "status", None) or 0
    transient = isinstance(error, RequestError) or status >= 500 or status == 429
    if not isinstance(error, RequestError | ResponseError):
        transient = True  # undecodable response: a proxy or outage page
    message = f"Mollie: {type(error).__name__} ({status or 'no status'})"
    return TransientProviderError(message) if transient else PermanentProviderError(message)


class MollieProvider(PaymentProvider):
    """Mollie hosted checkout through the Payments API (no Mollie customer objects).

    Erasure: Mollie is not called when a customer is erased. We send it no personal data
    (amount, "<supplier> <booking reference>", our payment id in metadata, our URLs), we create
    no Customer object that the Customers API could delete, and a payment cannot be deleted:
    Mollie keeps the transaction and what it collected from the payer as a licensed payment
    institution under its own legal duties. Our copy is stripped by `erase_payment_data`
    (docs/RETENTION.md, "Payment providers and erasure").
    """

    identifier = "mollie"
    display_name = _("Card and more (Mollie)")
    webhook_has_event_ids = False

    def is_configured(self) -> bool:
        return bool(settings.MOLLIE_API_KEY)

    def client(self) -> Client:
        # retry=0: our tasks retry with backoff, so the SDK must not retry on its own.
        client = Client(timeout=(3, 15), retry=0)
        if settings.MOLLIE_API_URL:
            client.set_api_endpoint(settings.MOLLIE_API_URL)
        client.set_api_key(settings.MOLLIE_API_KEY)
        return client

    def checkout_origins(self) -> list[str]:
        if settings.MOLLIE_API_URL:
            return [origin_of(settings.MOLLIE_API_URL)]
        return [CHECKOUT_ORIGIN]

    def start_payment(self, payment, *, site_url: str) -> str:
        data = {
            "amount": amount_to_mollie(payment.amount_ore, payment.currency),
            "description": self.description(payment),
            "redirectUrl": self.return_url(payment, site_url),
            "cancelUrl": self.cancel_url(payment, site_url),
            "webhookUrl": self.webhook_url(),
            "locale": "nb_NO" if (get_language() or "nb").startswith("nb") else "en_US",
            "metadata": {"payment": str(payment.public_id)},
        }
        try:
            result = self.client().payments.create(data, idempotency_key=str(payment.public_id))
        except MollieError as error:
            raise _translate_errors(error) from error
        payment.provider_reference = result.id
        return result.checkout_url

    def handle_webhook(self, request: HttpRequest) -> WebhookNotification:
        # Unsigned by design: we take only the id and fetch the real state from Mollie.
        payment_id = (request.POST.get("id") or "").strip()
        if not PAYMENT_ID.match(payment_id):
            raise WebhookVerificationError("Mollie webhook without a valid payment id")
        # Mollie sends the same body for every status change and has no event id: the event
        # id is completed from our own record of the payment (webhook_has_event_ids = False).
        return WebhookNotification(
            event_id=payment_id,
            event_type="payment.status",
            payment_reference=payment_id,
        )

    def refresh(self, payment) -> ProviderState:
        try:
            result = self.client().payments.get(payment.provider_reference)
        except MollieError as error:
            raise _translate_errors(error) from error
        status = _STATUSES.get(result.status, "pending")
        amount = amount_from_mollie(result.amount)
        captured = amount if status == "paid" else 0
        return ProviderState(status=status, captured_ore=captured, authorized_ore=amount)

    def refund(self, payment, amount_ore: int, *, idempotency_key: str) -> RefundResult:
        try:
            mollie_payment = self.client().payments.get(payment.provider_reference)
            result = mollie_payment.refunds.create(
                {
                    "amount": amount_to_mollie(amount_ore, payment.currency),
                    "description": self.description(payment),
                },
                idempotency_key=idempotency_key,
            )
        except MollieError as error:
            raise _translate_errors(error) from error
        return RefundResult(
            reference=result.id, status=_REFUND_STATUSES.get(result.status, "processing")
        )

    def refund_status(self, payment, refund) -> RefundResult:
        try:
            mollie_payment = self.client().payments.get(payment.provider_reference)
            result = mollie_payment.refunds.get(refund.provider_reference)
        except MollieError as error:
            raise _translate_errors(error) from error
        return RefundResult(
            reference=result.id, status=_REFUND_STATUSES.get(result.status, "processing")
        )
