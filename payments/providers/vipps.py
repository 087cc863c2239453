"""Vipps MobilePay ePayment API over plain HTTP (`requests`): WALLET flow, capture, refund.

API: POST /accesstoken/get, POST /epayment/v1/payments, GET /epayment/v1/payments/{ref},
POST .../capture, .../refund, .../cancel. Webhooks are signed with HMAC-SHA256 over
"POST\\n<path and query>\\n<x-ms-date>;<host>;<x-ms-content-sha256>".
"""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from bookingtjeneste.csp import origin_of
from bookingtjeneste.providers import PermanentProviderError, TransientProviderError

from .base import (
    PaymentProvider,
    ProviderState,
    RefundResult,
    WebhookNotification,
    WebhookVerificationError,
)

DEFAULT_API_URL = "https://api.vipps.no"
# Where each API environment sends the customer (ePayment `redirectUrl`: the landing page,
# seen on both host names, sometimes by way of a redirect from the API host). Every hop of
# that redirect chain must be allowed: Chromium checks form-action on each. Any other
# VIPPS_API_URL (a fake or a proxy) is taken to serve its own landing page.
LANDING_PAGE_ORIGINS = {
    "https://api.vipps.no": ["https://landing.vipps.no", "https://pay.vipps.no"],
    "https://apitest.vipps.no": ["https://pay-mt.vipps.no"],
}
# The ePayment events we act on (each only triggers a refresh of the payment's true state).
WEBHOOK_EVENTS = [
    "epayments.payment.authorized.v1",
    "epayments.payment.captured.v1",
    "epayments.payment.aborted.v1",
    "epayments.payment.expired.v1",
    "epayments.payment.cancelled.v1",
    "epayments.payment.terminated.v1",
    "epayments.payment.refunded.v1",
]
TIMEOUT = (3, 15)
WEBHOOK_TOLERANCE_SECONDS = 300
TOKEN_CACHE_KEY = "payments:vipps:access-token"


def webhook_signature(*, secret: str, path_and_query: str, date: str, host: str, body: bytes):
    """(content hash, Authorization header) for a webhook request, per Vipps's scheme."""
    content_hash = base64.b64encode(hashlib.sha256(body).digest()).decode()
    signed = f"POST\n{path_and_query}\n{date};{host};{content_hash}"
    digest = hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest()
    signature = base64.b64encode(digest).decode()
    authorization = (
        f"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}"
    )
    return content_hash, authorization


def _amount(aggregate: dict, key: str) -> int:
    return int((aggregate.get(key) or {}).get("value") or 0)


class VippsProvider(PaymentProvider):
    """Vipps MobilePay ePayment, WALLET flow (the customer approves in the app; we capture).

    Erasure: Vipps is not called when a customer is erased. We send it no personal data (amount,
    a random `bt-<uuid>` reference, "<supplier> <booking reference>", our URLs; no phone number,
    so Vipps's landing page asks the payer), and the ePayment API has no way to delete a
    payment: Vipps MobilePay keeps the transaction as a payment institution under its own
    accounting and anti-money-laundering duties. Our copy is stripped by `erase_payment_data`
    (docs/RETENTION.md, "Payment providers and erasure").
    """

    identifier = "vipps"
    display_name = _("Vipps")
    needs_capture = True

    def is_configured(self) -> bool:
        return bool(
            settings.VIPPS_CLIENT_ID
            and settings.VIPPS_CLIENT_SECRET
            and settings.VIPPS_SUBSCRIPTION_KEY
            and settings.VIPPS_MERCHANT_SERIAL_NUMBER
            and settings.VIPPS_WEBHOOK_SECRET
        )

    @property
    def base_url(self) -> str:
        return (settings.VIPPS_API_URL or DEFAULT_API_URL).rstrip("/")

    def _base_headers(self) -> dict[str, str]:
        return {
            "Ocp-Apim-Subscription-Key": settings.VIPPS_SUBSCRIPTION_KEY,
            "Merchant-Serial-Number": settings.VIPPS_MERCHANT_SERIAL_NUMBER,
            "Vipps-System-Name": "bookingtjeneste",
            "Vipps-System-Version": "1.0",
        }

    def _send(self, method: str, path: str, **kwargs) -> requests.Response:
        try:
            response = requests.request(method, f"{self.base_url}{path}", timeout=TIMEOUT, **kwargs)
        except requests.RequestException as error:
            raise TransientProviderError(f"Vipps: {type(error).__name__}") from error
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientProviderError(
                f"Vipps: HTTP {response.status_code} on {path.split('/')[-1]}"
            )
        if response.status_code >= 400:
            raise PermanentProviderError(
                f"Vipps: HTTP {response.status_code} on {path.split('/')[-1]}"
            )
        return response

    def access_token(self) -> str:
        token = cache.get(TOKEN_CACHE_KEY)
        if token:
            return token
        response = self._send(
            "POST",
            "/accesstoken/get",
            headers={
                **self._base_headers(),
                "client_id": settings.VIPPS_CLIENT_ID,
                "client_secret": settings.VIPPS_CLIENT_SECRET,
            },
        )
        body = response.json()
        token = body["access_token"]
        lifetime = int(body.get("expires_in") or 3600)
        cache.set(TOKEN_CACHE_KEY, token, max(lifetime - 120, 60))
        return token

    def _api(
        self,
        method: str,
        path: str,
        *,
        idempotency_key: str = "",
        json=None,
        prefix: str = "/epayment/v1/payments",
    ) -> dict:
        headers = {**self._base_headers(), "Authorization": f"Bearer {self.access_token()}"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        response = self._send(method, f"{prefix}{path}", headers=headers, json=json)
        return response.json() if response.content else {}

    def register_webhook(self) -> tuple[str, str]:
        """Register our webhook URL with the Webhooks API; returns (id, signing secret)."""
        body = self._api(
            "POST",
            "",
            prefix="/webhooks/v1/webhooks",
            json={"url": self.webhook_url(), "events": WEBHOOK_EVENTS},
        )
        return str(body["id"]), str(body["secret"])

    @staticmethod
    def reference_for(payment) -> str:
        # Vipps references: 8–64 characters of [a-zA-Z0-9-].
        return f"bt-{payment.public_id.hex}"

    def checkout_origins(self) -> list[str]:
        api_origin = origin_of(self.base_url)
        return [api_origin, *LANDING_PAGE_ORIGINS.get(api_origin, [])]

    def start_payment(self, payment, *, site_url: str) -> str:
        reference = self.reference_for(payment)
        body = self._api(
            "POST",
            "",
            idempotency_key=f"create-{payment.public_id}",
            json={
                "amount": {"currency": payment.currency, "value": payment.amount_ore},
                "paymentMethod": {"type": "WALLET"},
                "reference": reference,
                "returnUrl": self.return_url(payment, site_url),
                "userFlow": "WEB_REDIRECT",
                "paymentDescription": self.description(payment),
            },
        )
        payment.provider_reference = body.get("reference") or reference
        return body["redirectUrl"]

    def handle_webhook(self, request: HttpRequest) -> WebhookNotification:
        secret = settings.VIPPS_WEBHOOK_SECRET
        date = request.headers.get("x-ms-date", "")
        claimed_hash = request.headers.get("x-ms-content-sha256", "")
        authorization = request.headers.get("Authorization", "")
        if not (secret and date and claimed_hash and authorization):
            raise WebhookVerificationError("Vipps webhook without signature headers")
        try:
            sent_at = parsedate_to_datetime(date)
        except (TypeError, ValueError) as error:
            raise WebhookVerificationError("Vipps webhook with an unreadable date") from error
        if sent_at.tzinfo is None:
            sent_at = sent_at.replace(tzinfo=UTC)
        if abs((datetime.now(UTC) - sent_at).total_seconds()) > WEBHOOK_TOLERANCE_SECONDS:
            raise WebhookVerificationError("Vipps webhook outside the tolerance window")
        content_hash, expected = webhook_signature(
            secret=secret,
            path_and_query=request.get_full_path(),
            date=date,
            host=request.get_host(),
            body=request.body,
        )
        if not hmac.compare_digest(content_hash, claimed_hash):
            raise WebhookVerificationError("Vipps webhook body does not match its hash")
        if not hmac.compare_digest(expected, authorization):
            raise WebhookVerificationError("Vipps webhook signature mismatch")
        try:
            payload = json.loads(request.body)
            reference = str(payload["reference"])
            name = str(payload.get("name") or "")
            psp_reference = str(payload.get("pspReference") or "")
        except (ValueError, KeyError, TypeError) as error:
            raise WebhookVerificationError("Vipps webhook with an unreadable body") from error
        return WebhookNotification(
            event_id=f"{reference}:{name}:{psp_reference}"[:255],
            event_type=name[:100],
            payment_reference=reference,
        )

    def refresh(self, payment) -> ProviderState:
        body = self._api("GET", f"/{payment.provider_reference}")
        state = body.get("state")
        aggregate = body.get("aggregate") or {}
        authorized = _amount(aggregate, "authorizedAmount")
        captured = _amount(aggregate, "capturedAmount")
        refunded = _amount(aggregate, "refundedAmount")
        cancelled = _amount(aggregate, "cancelledAmount")
        extra = {"refunded_ore": refunded, "cancelled_ore": cancelled}
        if captured > 0:
            status = "paid"
        elif state == "AUTHORIZED" and cancelled < authorized:
            status = "authorized"
        elif state == "CREATED":
            status = "pending"
        elif state == "EXPIRED":
            status = "expired"
        else:  # ABORTED, TERMINATED, or authorised and then cancelled in full
            status = "cancelled"
        return ProviderState(
            status=status,
            captured_ore=captured,
            authorized_ore=authorized,
            secondary_reference=str(body.get("pspReference") or ""),
            extra=extra,
        )

    def capture(self, payment, amount_ore: int) -> None:
        self._api(
            "POST",
            f"/{payment.provider_reference}/capture",
            idempotency_key=f"capture-{payment.public_id}",
            json={"modificationAmount": {"currency": payment.currency, "value": amount_ore}},
        )

    def refund(self, payment, amount_ore: int, *, idempotency_key: str) -> RefundResult:
        state = self.refresh(payment)
        refundable = state.captured_ore - state.extra.get("refunded_ore", 0)
        if state.status == "authorized" and state.captured_ore == 0:
            kept = state.authorized_ore - amount_ore
            if kept > 0:
                # A fee is kept: capture just the fee, then release the rest of the reservation.
                self._api(
                    "POST",
                    f"/{payment.provider_reference}/capture",
                    idempotency_key=f"{idempotency_key}-fee",
                    json={"modificationAmount": {"currency": payment.currency, "value": kept}},
                )
            # Reserved but never captured: cancelling releases the money at once.
            self._api(
                "POST", f"/{payment.provider_reference}/cancel", idempotency_key=idempotency_key
            )
            return RefundResult(reference=f"cancel:{idempotency_key}", status="succeeded")
        if amount_ore > refundable:
            raise PermanentProviderError("Vipps: more than the captured amount would be refunded")
        self._api(
            "POST",
            f"/{payment.provider_reference}/refund",
            idempotency_key=idempotency_key,
            json={"modificationAmount": {"currency": payment.currency, "value": amount_ore}},
        )
        # Vipps refunds synchronously: a 2xx answer means the money is on its way back.
        return RefundResult(reference=f"refund:{idempotency_key}", status="succeeded")
