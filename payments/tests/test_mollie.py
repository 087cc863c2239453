"""Mollie end to end: the real mollie-api-python SDK against a local fake of the API."""

import pytest

from bookings.models import Booking
from bookings.services import booking_cancel
from payments.models import Payment, Receipt, Refund, WebhookEvent
from payments.services import payment_start
from payments.tasks import sweep_open_payments

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

WEBHOOK = "/webhooks/mollie/"


def _deliver(client, capture, data):
    with capture(execute=True):
        return client.post(WEBHOOK, data)


def test_webhook_id_is_fetched_and_paid(
    client, booking, mollie_fake, django_capture_on_commit_callbacks
):
    payment = payment_start(booking=booking, provider_identifier="mollie", user=booking.customer)

    assert payment.redirect_url == f"{mollie_fake.url}/checkout/{payment.provider_reference}"
    (create,) = mollie_fake.calls("POST", "/v2/payments")
    assert create.headers["Idempotency-Key"] == str(payment.public_id)
    assert create.json()["amount"] == {"currency": "NOK", "value": "500.00"}
    assert create.json()["webhookUrl"] == "http://testserver/webhooks/mollie/"

    mollie_fake.set_status(payment.provider_reference, "paid")
    response = _deliver(
        client, django_capture_on_commit_callbacks, {"id": payment.provider_reference}
    )

    assert response.status_code == 200
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.captured_ore == 50_000
    assert booking.status == Booking.Status.CONFIRMED
    assert WebhookEvent.objects.get(payment=payment).status == WebhookEvent.Status.PROCESSED
    assert Receipt.objects.filter(payment=payment).count() == 1


def test_webhook_body_status_is_never_trusted(
    client, booking, mollie_fake, django_capture_on_commit_callbacks
):
    payment = payment_start(booking=booking, provider_identifier="mollie", user=booking.customer)

    # Someone posts the id with a made-up status; Mollie still says "open".
    _deliver(
        client,
        django_capture_on_commit_callbacks,
        {"id": payment.provider_reference, "status": "paid"},
    )

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    booking.refresh_from_db()
    assert booking.status == Booking.Status.PENDING_PAYMENT


@pytest.mark.parametrize("data", [{}, {"id": "nonsense"}, {"id": "tr_" + "x" * 100}])
def test_webhook_without_valid_id_is_400(client, mollie_fake, db, data):
    response = client.post(WEBHOOK, data)
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_unknown_id_is_acknowledged_without_a_call(client, mollie_fake, db):
    response = client.post(WEBHOOK, {"id": "tr_unknown1"})
    assert response.status_code == 200
    assert not mollie_fake.calls("GET", "/v2/payments/")


def test_refund_pending_at_mollie_is_polled_to_completion(
    client, booking, mollie_fake, django_capture_on_commit_callbacks
):
    payment = payment_start(booking=booking, provider_identifier="mollie", user=booking.customer)
    mollie_fake.set_status(payment.provider_reference, "paid")
    _deliver(client, django_capture_on_commit_callbacks, {"id": payment.provider_reference})

    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, by_user=None, by_supplier=True, reason="Sick")

    refund = Refund.objects.get(payment=payment)
    assert refund.reason == Refund.Reason.SUPPLIER_CANCELLED
    assert refund.status == Refund.Status.PROCESSING
    (call,) = mollie_fake.calls("POST", f"/v2/payments/{payment.provider_reference}/refunds")
    assert call.json()["amount"] == {"currency": "NOK", "value": "500.00"}
    assert not Receipt.objects.filter(kind="credit").exists()

    mollie_fake.refunds[refund.provider_reference]["status"] = "refunded"
    with django_capture_on_commit_callbacks(execute=True):
        result = sweep_open_payments()

    assert result["polled"] == 1
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert Receipt.objects.get(refund=refund).total_ore == -50_000


def test_outage_then_retry_does_not_duplicate(
    client, booking, mollie_fake, django_capture_on_commit_callbacks
):
    from bookingtjeneste.celery import app

    # Eager mode runs Celery's retry in-process; the Retry marker must not reach the test.
    app.conf.task_eager_propagates = False
    payment = payment_start(booking=booking, provider_identifier="mollie", user=booking.customer)
    mollie_fake.set_status(payment.provider_reference, "paid")
    mollie_fake.fail_next = [503]

    # The first processing attempt hits the outage; Celery's autoretry runs it again.
    _deliver(client, django_capture_on_commit_callbacks, {"id": payment.provider_reference})

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert Receipt.objects.filter(payment=payment).count() == 1
    assert WebhookEvent.objects.get(payment=payment).status == WebhookEvent.Status.PROCESSED
    assert len(mollie_fake.calls("GET", f"/v2/payments/{payment.provider_reference}")) == 2


def test_repeated_webhook_settles_an_open_refund(
    client, booking, mollie_fake, django_capture_on_commit_callbacks
):
    payment = payment_start(booking=booking, provider_identifier="mollie", user=booking.customer)
    mollie_fake.set_status(payment.provider_reference, "paid")
    _deliver(client, django_capture_on_commit_callbacks, {"id": payment.provider_reference})
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, by_user=booking.customer, by_supplier=False)
    refund = Refund.objects.get(payment=payment)
    mollie_fake.refunds[refund.provider_reference]["status"] = "refunded"

    # Mollie calls the webhook again when the refund completes.
    _deliver(client, django_capture_on_commit_callbacks, {"id": payment.provider_reference})

    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED


def test_repeated_deliveries_for_a_paid_payment_store_one_row_and_call_mollie_once(
    client, booking, mollie_fake, django_capture_on_commit_callbacks
):
    payment = payment_start(booking=booking, provider_identifier="mollie", user=booking.customer)
    mollie_fake.set_status(payment.provider_reference, "paid")

    # Mollie retries and re-sends the same body ({"id": ...}); nothing new after the first.
    for _attempt in range(3):
        response = _deliver(
            client, django_capture_on_commit_callbacks, {"id": payment.provider_reference}
        )
        assert response.status_code == 200

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert WebhookEvent.objects.filter(payment=payment).count() == 1
    assert len(mollie_fake.calls("GET", f"/v2/payments/{payment.provider_reference}")) == 1
    assert Receipt.objects.filter(payment=payment).count() == 1


def test_deliveries_while_open_reuse_one_row_and_still_see_the_payment_complete(
    client, booking, mollie_fake, django_capture_on_commit_callbacks
):
    payment = payment_start(booking=booking, provider_identifier="mollie", user=booking.customer)
    get_path = f"/v2/payments/{payment.provider_reference}"

    # While the payment is open each call may carry news (Mollie says nothing in the body),
    # so each one fetches the state, but no new row is stored for the same known state.
    _deliver(client, django_capture_on_commit_callbacks, {"id": payment.provider_reference})
    _deliver(client, django_capture_on_commit_callbacks, {"id": payment.provider_reference})
    assert len(mollie_fake.calls("GET", get_path)) == 2
    assert WebhookEvent.objects.filter(payment=payment).count() == 1

    mollie_fake.set_status(payment.provider_reference, "paid")
    _deliver(client, django_capture_on_commit_callbacks, {"id": payment.provider_reference})
    _deliver(client, django_capture_on_commit_callbacks, {"id": payment.provider_reference})

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert len(mollie_fake.calls("GET", get_path)) == 3
    assert WebhookEvent.objects.filter(payment=payment).count() == 1
    assert WebhookEvent.objects.get(payment=payment).status == WebhookEvent.Status.PROCESSED
