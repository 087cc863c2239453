"""Stripe Checkout end to end: the real `stripe` SDK against a local fake of the API."""

import time

import pytest
from django.urls import reverse

from bookings.models import Booking
from notifications.models import Message
from payments.models import Payment, Receipt, WebhookEvent
from payments.services import payment_start

from .fixtures import stripe_event, stripe_headers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

WEBHOOK = "/webhooks/stripe/"


def _start(booking) -> Payment:
    return payment_start(booking=booking, provider_identifier="stripe", user=booking.customer)


def _deliver(client, django_capture_on_commit_callbacks, body: bytes, **headers):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(WEBHOOK, body, content_type="application/json", **headers)


def test_start_creates_checkout_session_with_idempotency_key(booking, stripe_fake):
    payment = _start(booking)

    assert payment.status == Payment.Status.PENDING
    assert payment.redirect_url.startswith(f"{stripe_fake.url}/c/pay/")
    (call,) = stripe_fake.calls("POST", "/v1/checkout/sessions")
    assert call.headers["Idempotency-Key"] == f"checkout-{payment.public_id}"
    form = call.form()
    assert form["line_items[0][price_data][unit_amount]"] == "50000"
    assert form["line_items[0][price_data][currency]"] == "nok"
    assert form["mode"] == "payment"
    assert payment.provider_reference in stripe_fake.sessions


def test_signed_checkout_completed_confirms_booking_and_queues_receipt(
    client, booking, stripe_fake, django_capture_on_commit_callbacks
):
    payment = _start(booking)
    session = stripe_fake.complete(payment.provider_reference)
    body = stripe_event("evt_1", "checkout.session.completed", session)

    response = _deliver(client, django_capture_on_commit_callbacks, body, **stripe_headers(body))

    assert response.status_code == 200
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.captured_ore == 50_000
    assert payment.provider_secondary_reference == session["payment_intent"]
    assert booking.status == Booking.Status.CONFIRMED
    receipt = Receipt.objects.get(payment=payment)
    assert receipt.number == 1 and receipt.total_ore == 50_000 and receipt.vat_ore == 10_000
    assert Message.objects.filter(
        template_key="receipt", recipient=booking.customer, booking=booking
    ).exists()
    # Confirmation messages come from booking_confirmed, sent only now that payment succeeded.
    assert Message.objects.filter(template_key="booking_confirmation", booking=booking).exists()


def test_same_event_twice_counts_once(
    client, booking, stripe_fake, django_capture_on_commit_callbacks
):
    payment = _start(booking)
    session = stripe_fake.complete(payment.provider_reference)
    body = stripe_event("evt_dup", "checkout.session.completed", session)

    first = _deliver(client, django_capture_on_commit_callbacks, body, **stripe_headers(body))
    second = _deliver(client, django_capture_on_commit_callbacks, body, **stripe_headers(body))

    assert first.status_code == second.status_code == 200
    assert WebhookEvent.objects.filter(provider="stripe", event_id="evt_dup").count() == 1
    assert Payment.objects.filter(order__booking=booking, status="paid").count() == 1
    assert Receipt.objects.filter(order__booking=booking).count() == 1
    assert Message.objects.filter(template_key="receipt", booking=booking).count() == 1
    # Only the first delivery was processed: one read of the session after creation.
    assert len(stripe_fake.calls("GET", "/v1/checkout/sessions/")) == 1


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda body: {"HTTP_STRIPE_SIGNATURE": "t=1,v1=deadbeef"}, id="forged"),
        pytest.param(lambda body: stripe_headers(body, secret="whsec_wrong"), id="wrong-secret"),
        pytest.param(
            lambda body: stripe_headers(body, timestamp=int(time.time()) - 301), id="old-timestamp"
        ),
        pytest.param(lambda body: {}, id="missing"),
    ],
)
def test_bad_signature_is_rejected_and_changes_nothing(
    client, booking, stripe_fake, django_capture_on_commit_callbacks, headers
):
    payment = _start(booking)
    session = stripe_fake.complete(payment.provider_reference)
    body = stripe_event("evt_forged", "checkout.session.completed", session)

    response = _deliver(client, django_capture_on_commit_callbacks, body, **headers(body))

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_signature"
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert booking.status == Booking.Status.PENDING_PAYMENT
    assert not WebhookEvent.objects.exists()
    assert not stripe_fake.calls("GET", "/v1/checkout/sessions/")


def test_body_changed_after_signing_is_rejected(
    client, booking, stripe_fake, django_capture_on_commit_callbacks
):
    payment = _start(booking)
    session = stripe_fake.complete(payment.provider_reference)
    body = stripe_event("evt_x", "checkout.session.completed", session)
    headers = stripe_headers(body)

    tampered = body.replace(b"evt_x", b"evt_y")
    response = _deliver(client, django_capture_on_commit_callbacks, tampered, **headers)

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_payment_failed_after_success_leaves_it_paid(
    client, booking, stripe_fake, django_capture_on_commit_callbacks
):
    payment = _start(booking)
    session = stripe_fake.complete(payment.provider_reference)
    completed = stripe_event("evt_ok", "checkout.session.completed", session)
    _deliver(client, django_capture_on_commit_callbacks, completed, **stripe_headers(completed))

    failed = stripe_event(
        "evt_late_fail",
        "payment_intent.payment_failed",
        {
            "id": session["payment_intent"],
            "object": "payment_intent",
            "status": "requires_payment_method",
        },
    )
    response = _deliver(
        client, django_capture_on_commit_callbacks, failed, **stripe_headers(failed)
    )

    assert response.status_code == 200
    event = WebhookEvent.objects.get(event_id="evt_late_fail")
    assert event.status == WebhookEvent.Status.PROCESSED
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert booking.status == Booking.Status.CONFIRMED
    assert Receipt.objects.filter(payment=payment).count() == 1


def test_event_for_unknown_session_is_acknowledged_not_stored(
    client, stripe_fake, django_capture_on_commit_callbacks, db
):
    body = stripe_event(
        "evt_other",
        "checkout.session.completed",
        {"id": "cs_unknown", "object": "checkout.session"},
    )
    response = _deliver(client, django_capture_on_commit_callbacks, body, **stripe_headers(body))
    assert response.status_code == 200
    assert response.json() == {"received": True, "stored": False}
    assert not WebhookEvent.objects.exists()


def test_webhook_refuses_get_and_unconfigured(client, settings, db):
    response = client.get(WEBHOOK)
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"
    settings.STRIPE_SECRET_KEY = ""
    response = client.post(WEBHOOK, b"{}", content_type="application/json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_configured"


def test_stripe_outage_on_start_is_a_503_page_and_a_failed_payment(client, booking, stripe_fake):
    stripe_fake.fail_next = [500]
    client.force_login(booking.customer)

    response = client.post(
        reverse("payments:choose", args=[booking.reference]), {"provider": "stripe"}
    )

    assert response.status_code == 503
    assert Payment.objects.get(order__booking=booking).status == Payment.Status.FAILED


@pytest.mark.parametrize("body", [b"[]", b'"x"', b"12"])
def test_signed_payload_that_is_not_an_object_is_a_400(client, stripe_fake, body):
    """A correctly signed body that is not an event object: refused, recorded nowhere."""
    response = client.post(WEBHOOK, body, content_type="application/json", **stripe_headers(body))
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("body", [b'{"id": "evt_2", "data": "x"}', b'{"id": "evt_3"}'])
def test_signed_event_without_an_object_is_acknowledged_and_ignored(
    client, booking, stripe_fake, body
):
    """Stripe sends event types we do not use; an odd one is acknowledged, never a 500."""
    payment = _start(booking)
    response = client.post(WEBHOOK, body, content_type="application/json", **stripe_headers(body))
    assert response.status_code in (200, 400)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
