"""Vipps ePayment end to end over real HTTP against a local fake of the Vipps API."""

import base64
import hashlib
import hmac
import json
import time
from email.utils import formatdate

import pytest

from bookings.models import Booking
from bookings.services import booking_cancel
from notifications.models import Message
from payments.models import Payment, Receipt, Refund, WebhookEvent
from payments.services import payment_start

from .fixtures import VIPPS_WEBHOOK_SECRET

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

WEBHOOK = "/webhooks/vipps/"


def vipps_signed_headers(body: bytes, *, secret=VIPPS_WEBHOOK_SECRET, date=None, path=WEBHOOK):
    """Sign as Vipps does (written from their docs, independently of our verifier)."""
    date = date or formatdate(usegmt=True)
    content = base64.b64encode(hashlib.sha256(body).digest()).decode()
    to_sign = f"POST\n{path}\n{date};testserver;{content}"
    signature = base64.b64encode(
        hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).digest()
    ).decode()
    return {
        "HTTP_X_MS_DATE": date,
        "HTTP_X_MS_CONTENT_SHA256": content,
        "HTTP_AUTHORIZATION": (
            f"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}"
        ),
    }


def vipps_event(reference: str, name: str, amount: int) -> bytes:
    return json.dumps(
        {
            "msn": "123456",
            "reference": reference,
            "pspReference": f"psp-{name.lower()}",
            "name": name,
            "amount": {"currency": "NOK", "value": amount},
            "timestamp": "2026-11-23T19:00:00Z",
            "success": True,
        }
    ).encode()


def _deliver(client, capture, body, headers):
    with capture(execute=True):
        return client.post(WEBHOOK, body, content_type="application/json", **headers)


def test_create_callback_capture_and_refund(
    client, booking, vipps_fake, django_capture_on_commit_callbacks
):
    payment = payment_start(booking=booking, provider_identifier="vipps", user=booking.customer)

    assert payment.redirect_url == f"{vipps_fake.url}/pay/{payment.provider_reference}"
    (create,) = vipps_fake.calls("POST", "/epayment/v1/payments")
    assert create.headers["Idempotency-Key"] == f"create-{payment.public_id}"
    assert create.headers["Merchant-Serial-Number"] == "123456"
    assert create.headers["Ocp-Apim-Subscription-Key"] == "subscription-key"
    assert create.json()["amount"] == {"currency": "NOK", "value": 50_000}
    assert create.json()["userFlow"] == "WEB_REDIRECT"
    assert len(vipps_fake.calls("POST", "/accesstoken/get")) == 1

    vipps_fake.authorize(payment.provider_reference)
    body = vipps_event(payment.provider_reference, "AUTHORIZED", 50_000)
    response = _deliver(
        client, django_capture_on_commit_callbacks, body, vipps_signed_headers(body)
    )

    assert response.status_code == 200
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    (capture,) = vipps_fake.calls(
        "POST", f"/epayment/v1/payments/{payment.provider_reference}/capture"
    )
    assert capture.json()["modificationAmount"] == {"currency": "NOK", "value": 50_000}
    assert payment.status == Payment.Status.PAID
    assert payment.captured_ore == 50_000
    assert Receipt.objects.filter(payment=payment, kind="sale").count() == 1

    # The customer cancels in time: a full refund through Vipps, a credit note, an e-mail.
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, by_user=booking.customer, by_supplier=False)

    refund = Refund.objects.get(payment=payment)
    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.amount_ore == 50_000
    (call,) = vipps_fake.calls("POST", f"/epayment/v1/payments/{payment.provider_reference}/refund")
    assert call.headers["Idempotency-Key"] == f"refund-{refund.public_id}"
    aggregate = vipps_fake.payments[payment.provider_reference]["aggregate"]
    assert aggregate["refundedAmount"]["value"] == 50_000
    credit = Receipt.objects.get(refund=refund)
    assert credit.kind == Receipt.Kind.CREDIT and credit.total_ore == -50_000
    assert credit.corrects.payment_id == payment.pk and credit.number == 2
    assert Message.objects.filter(template_key="payment_refunded", booking=booking).count() == 1
    payment.refresh_from_db()
    assert payment.refunded_ore == 50_000
    assert payment.order.status == "refunded"


def test_duplicate_callback_is_stored_once(
    client, booking, vipps_fake, django_capture_on_commit_callbacks
):
    payment = payment_start(booking=booking, provider_identifier="vipps", user=booking.customer)
    vipps_fake.authorize(payment.provider_reference)
    body = vipps_event(payment.provider_reference, "AUTHORIZED", 50_000)

    for _ in range(2):
        response = _deliver(
            client, django_capture_on_commit_callbacks, body, vipps_signed_headers(body)
        )
        assert response.status_code == 200

    assert WebhookEvent.objects.filter(provider="vipps").count() == 1
    assert (
        len(vipps_fake.calls("POST", f"/epayment/v1/payments/{payment.provider_reference}/capture"))
        == 1
    )


@pytest.mark.parametrize(
    "make_headers",
    [
        pytest.param(lambda body: vipps_signed_headers(body, secret="wrong"), id="wrong-secret"),
        pytest.param(
            lambda body: vipps_signed_headers(
                body, date=formatdate(time.time() - 600, usegmt=True)
            ),
            id="stale",
        ),
        pytest.param(
            lambda body: {**vipps_signed_headers(body), "HTTP_X_MS_CONTENT_SHA256": "AAAA"},
            id="hash-mismatch",
        ),
        pytest.param(lambda body: vipps_signed_headers(body, path="/other/"), id="other-path"),
        pytest.param(lambda body: {}, id="unsigned"),
        pytest.param(
            lambda body: {**vipps_signed_headers(body), "HTTP_X_MS_DATE": "not a date"},
            id="bad-date",
        ),
    ],
)
def test_forged_or_stale_callback_is_rejected(
    client, booking, vipps_fake, django_capture_on_commit_callbacks, make_headers
):
    payment = payment_start(booking=booking, provider_identifier="vipps", user=booking.customer)
    vipps_fake.authorize(payment.provider_reference)
    body = vipps_event(payment.provider_reference, "AUTHORIZED", 50_000)

    response = _deliver(client, django_capture_on_commit_callbacks, body, make_headers(body))

    assert response.status_code == 400
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert booking.status == Booking.Status.PENDING_PAYMENT
    assert not WebhookEvent.objects.exists()


def test_signed_but_unreadable_body_is_rejected(client, vipps_fake, db):
    body = b"not json"
    response = client.post(
        WEBHOOK, body, content_type="application/json", **vipps_signed_headers(body)
    )
    assert response.status_code == 400


def test_abandoned_payment_ends_cancelled_and_booking_stays_pending(
    client, booking, vipps_fake, django_capture_on_commit_callbacks
):
    payment = payment_start(booking=booking, provider_identifier="vipps", user=booking.customer)
    vipps_fake.payments[payment.provider_reference]["state"] = "ABORTED"
    body = vipps_event(payment.provider_reference, "ABORTED", 50_000)

    _deliver(client, django_capture_on_commit_callbacks, body, vipps_signed_headers(body))

    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert booking.status == Booking.Status.PENDING_PAYMENT
    assert not Receipt.objects.exists()


def test_register_webhook_command_prints_the_secret(vipps_fake, capsys):
    from django.core.management import call_command

    call_command("vipps_webhook_register")

    (registration,) = vipps_fake.webhooks
    assert registration["url"] == "http://testserver/webhooks/vipps/"
    assert "epayments.payment.authorized.v1" in registration["events"]
    assert "VIPPS_WEBHOOK_SECRET=registered-secret" in capsys.readouterr().out
