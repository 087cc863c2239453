"""Stripe Checkout through the official `stripe` SDK (StripeClient, API v1)."""

from datetime import timedelta

import stripe
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bookingtjeneste.csp import origin_of
from bookingtjeneste.providers import PermanentProviderError, ProviderError, TransientProviderError

from .base import (
    PaymentProvider,
    ProviderState,
    RefundResult,
    WebhookNotification,
    WebhookVerificationError,
)

# Checkout Sessions must live between 30 minutes and 24 hours.
MINIMUM_SESSION_LIFETIME = timedelta(minutes=31)
WEBHOOK_TOLERANCE_SECONDS = 300
# Where Stripe-hosted Checkout lives (session.url).
CHECKOUT_ORIGIN = "https://checkout.stripe.com"

_REFUND_STATUSES = {
    "succeeded": "succeeded",
    "pending": "processing",
    "requires_action": "processing",
    "failed": "failed",
    "canceled": "failed",
}


def _translate_errors(error: stripe.StripeError) -> ProviderError:
    transient = isinstance(error, stripe.APIConnectionError | stripe.RateLimitError) or (
        (error.http_status or 0) >= 500
    )
    message = f"Stripe: {type(error).__name__} ({error.http_status or 'no status'})"
    return TransientProviderError(message) if transient else PermanentProviderError(message)


class StripeProvider(PaymentProvider):
    identifier = "stripe"
    display_name = _("Card (Stripe)")

    def is_configured(self) -> bool:
        return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)

    def client(self) -> stripe.StripeClient:
        base_addresses = {"api": settings.STRIPE_API_URL} if settings.STRIPE_API_URL else None
        # Our tasks retry with backoff; the SDK retrying as well would multiply the attempts.
        return stripe.StripeClient(
            settings.STRIPE_SECRET_KEY, base_addresses=base_addresses, max_network_retries=0
        )

    def checkout_origins(self) -> list[str]:
        # With STRIPE_API_URL (a fake or a proxy) the checkout URLs come from that host too.
        if settings.STRIPE_API_URL:
            return [origin_of(settings.STRIPE_API_URL)]
        return [CHECKOUT_ORIGIN]

    def start_payment(self, payment, *, site_url: str) -> str:
        order = payment.order
        hold_expires_at = order.booking.hold_expires_at if order.booking else None
        expires_at = max(
            hold_expires_at or timezone.now(), timezone.now() + MINIMUM_SESSION_LIFETIME
        )
        expires_at = min(expires_at, timezone.now() + timedelta(hours=23))
        metadata = {"payment": str(payment.public_id), "booking": order.booking_reference}
        params = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": payment.currency.lower(),
                        "unit_amount": payment.amount_ore,
                        "product_data": {"name": self.description(payment)},
                    },
                }
            ],
            "client_reference_id": str(payment.public_id),
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "success_url": self.return_url(payment, site_url),
            "cancel_url": self.cancel_url(payment, site_url),
            "expires_at": int(expires_at.timestamp()),
            "locale": "nb" if (get_language() or "nb").startswith("nb") else "en",
        }
        try:
            session = self.client().v1.checkout.sessions.create(
                params=params, options={"idempotency_key": f"checkout-{payment.public_id}"}
            )
        except stripe.StripeError as error:
            raise _translate_errors(error) from error
        payment.provider_reference = session.id
        payment.provider_secondary_reference = session.payment_intent or ""
        return session.url

    def handle_webhook(self, request: HttpRequest) -> WebhookNotification:
        try:
            event = stripe.Webhook.construct_event(
                request.body,
                request.headers.get("Stripe-Signature"),
                settings.STRIPE_WEBHOOK_SECRET,
                tolerance=WEBHOOK_TOLERANCE_SECONDS,
            )
        except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError) as error:
            raise WebhookVerificationError(str(error)[:200]) from error
        except (AttributeError, TypeError) as error:
            # Correctly signed, but not a JSON object: the SDK cannot build an event from it.
            raise WebhookVerificationError("Stripe event is not a JSON object") from error
        payload = event.to_dict()
        data = payload.get("data")
        obj = (data.get("object") if isinstance(data, dict) else None) or {}
        if not isinstance(obj, dict) or not payload.get("id"):
            raise WebhookVerificationError("Stripe event without an object")
        object_type = obj.get("object")
        reference = secondary = ""
        if object_type == "checkout.session":
            reference = obj.get("id") or ""
            secondary = obj.get("payment_intent") or ""
        elif object_type == "payment_intent":
            secondary = obj.get("id") or ""
        elif object_type in ("charge", "refund"):
            secondary = obj.get("payment_intent") or ""
        return WebhookNotification(
            event_id=str(payload["id"])[:255],
            event_type=str(payload.get("type") or "")[:100],
            payment_reference=reference,
            secondary_reference=secondary,
        )

    def refresh(self, payment) -> ProviderState:
        try:
            session = self.client().v1.checkout.sessions.retrieve(payment.provider_reference)
        except stripe.StripeError as error:
            raise _translate_errors(error) from error
        secondary = session.payment_intent or ""
        if session.status == "complete" and session.payment_status == "paid":
            amount = session.amount_total or 0
            return ProviderState(
                status="paid",
                captured_ore=amount,
                authorized_ore=amount,
                secondary_reference=secondary,
            )
        if session.status == "expired":
            return ProviderState(status="expired", secondary_reference=secondary)
        # Open, or complete but an asynchronous method has not settled yet.
        return ProviderState(status="pending", secondary_reference=secondary)

    def refund(self, payment, amount_ore: int, *, idempotency_key: str) -> RefundResult:
        if not payment.provider_secondary_reference:
            raise PermanentProviderError("Stripe: the payment has no PaymentIntent to refund")
        try:
            refund = self.client().v1.refunds.create(
                params={
                    "payment_intent": payment.provider_secondary_reference,
                    "amount": amount_ore,
                    "metadata": {"payment": str(payment.public_id)},
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as error:
            raise _translate_errors(error) from error
        return RefundResult(
            reference=refund.id, status=_REFUND_STATUSES.get(refund.status, "processing")
        )

    def refund_status(self, payment, refund) -> RefundResult:
        try:
            result = self.client().v1.refunds.retrieve(refund.provider_reference)
        except stripe.StripeError as error:
            raise _translate_errors(error) from error
        return RefundResult(
            reference=result.id, status=_REFUND_STATUSES.get(result.status, "processing")
        )
