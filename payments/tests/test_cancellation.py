"""Refunds when a paid booking is cancelled: deadline, supplier policy, supplier side."""

import pytest
from django.core.exceptions import ValidationError

from bookings.models import Booking
from bookings.services import booking_cancel
from bookings.signals import booking_cancelled
from notifications.models import Message
from payments.models import Payment, Receipt, Refund, SupplierPaymentSettings
from payments.services import payment_refresh, payment_start, refund_create, refund_send

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


def _pay_with_stripe(booking, stripe_fake) -> Payment:
    payment = payment_start(booking=booking, provider_identifier="stripe", user=booking.customer)
    stripe_fake.complete(payment.provider_reference)
    return payment_refresh(payment=payment)


def _cancel_after_deadline(booking) -> None:
    """The booking_cancelled contract for a late customer-side cancellation.

    bookings.services refuses late cancellations by customers today; a supplier may still
    cancel on the customer's behalf and the event then says within_deadline=False.
    """
    Booking.objects.filter(pk=booking.pk).update(
        status=Booking.Status.CANCELLED, cancelled_by=Booking.CancelledBy.CUSTOMER
    )
    booking_cancelled.send(
        sender=Booking, booking=booking, by_supplier=False, within_deadline=False
    )


def test_customer_cancels_before_deadline_full_refund(
    booking, stripe_fake, django_capture_on_commit_callbacks
):
    payment = _pay_with_stripe(booking, stripe_fake)

    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, by_user=booking.customer, by_supplier=False)

    refund = Refund.objects.get(payment=payment)
    assert refund.reason == Refund.Reason.CUSTOMER_CANCELLED
    assert refund.amount_ore == 50_000
    assert refund.status == Refund.Status.SUCCEEDED
    (call,) = stripe_fake.calls("POST", "/v1/refunds")
    assert call.form() == {
        "payment_intent": payment.provider_secondary_reference,
        "amount": "50000",
        "metadata[payment]": str(payment.public_id),
    }
    assert call.headers["Idempotency-Key"] == f"refund-{refund.public_id}"
    assert Message.objects.filter(template_key="payment_refunded", booking=booking).exists()


def test_after_deadline_no_refund_policy_refunds_nothing(
    booking, stripe_fake, django_capture_on_commit_callbacks
):
    payment = _pay_with_stripe(booking, stripe_fake)
    SupplierPaymentSettings.objects.filter(supplier=booking.supplier).update(
        late_cancellation_policy="no_refund"
    )

    with django_capture_on_commit_callbacks(execute=True):
        _cancel_after_deadline(booking)

    assert not Refund.objects.filter(payment=payment).exists()
    assert not stripe_fake.calls("POST", "/v1/refunds")


def test_after_deadline_fee_policy_refunds_the_rest(
    booking, stripe_fake, django_capture_on_commit_callbacks
):
    payment = _pay_with_stripe(booking, stripe_fake)
    SupplierPaymentSettings.objects.filter(supplier=booking.supplier).update(
        late_cancellation_policy="fee", late_cancellation_fee_ore=15_000
    )

    with django_capture_on_commit_callbacks(execute=True):
        _cancel_after_deadline(booking)

    refund = Refund.objects.get(payment=payment)
    assert refund.amount_ore == 35_000
    assert refund.status == Refund.Status.SUCCEEDED
    credit = Receipt.objects.get(refund=refund)
    assert credit.total_ore == -35_000
    assert credit.vat_ore == -7_000
    payment.refresh_from_db()
    assert payment.order.status == "partially_refunded"


def test_supplier_cancellation_always_refunds_in_full(
    booking, stripe_fake, django_capture_on_commit_callbacks
):
    payment = _pay_with_stripe(booking, stripe_fake)
    SupplierPaymentSettings.objects.filter(supplier=booking.supplier).update(
        late_cancellation_policy="no_refund"
    )
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)

    with django_capture_on_commit_callbacks(execute=True):
        booking_cancelled.send(
            sender=Booking, booking=booking, by_supplier=True, within_deadline=False
        )

    refund = Refund.objects.get(payment=payment)
    assert (refund.amount_ore, refund.reason) == (50_000, Refund.Reason.SUPPLIER_CANCELLED)


def test_cancelling_an_unpaid_booking_creates_no_refund_and_closes_the_order(
    booking, stripe_fake, django_capture_on_commit_callbacks
):
    payment = payment_start(booking=booking, provider_identifier="stripe", user=booking.customer)

    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, by_user=booking.customer, by_supplier=False)

    assert not Refund.objects.exists()
    payment.refresh_from_db()
    assert payment.order.status == "cancelled"


def test_payment_completed_after_the_customer_cancelled_is_refunded(
    booking, stripe_fake, django_capture_on_commit_callbacks
):
    payment = payment_start(booking=booking, provider_identifier="stripe", user=booking.customer)
    booking_cancel(booking=booking, by_user=booking.customer, by_supplier=False)
    stripe_fake.complete(payment.provider_reference)

    with django_capture_on_commit_callbacks(execute=True):
        payment_refresh(payment=payment)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    refund = Refund.objects.get(payment=payment)
    assert (refund.amount_ore, refund.status) == (50_000, Refund.Status.SUCCEEDED)


def test_partial_refunds_never_exceed_the_payment(booking, stripe_fake):
    payment = _pay_with_stripe(booking, stripe_fake)

    refund_create(payment=payment, amount_ore=30_000, reason=Refund.Reason.MANUAL)
    with pytest.raises(ValidationError):
        refund_create(payment=payment, amount_ore=20_001, reason=Refund.Reason.MANUAL)
    refund_create(payment=payment, amount_ore=20_000, reason=Refund.Reason.MANUAL)
    with pytest.raises(ValidationError):
        refund_create(payment=payment, amount_ore=1, reason=Refund.Reason.MANUAL)
    assert Refund.objects.filter(payment=payment).count() == 2


def test_refund_rejected_by_provider_is_failed_and_not_retried(booking, stripe_fake):
    payment = _pay_with_stripe(booking, stripe_fake)
    refund = Refund.objects.create(
        payment=payment, amount_ore=1_000, reason="manual", retain_until=payment.retain_until
    )
    stripe_fake.fail_next = [400]

    refund = refund_send(refund=refund)

    assert refund.status == Refund.Status.FAILED
    assert "InvalidRequestError" in refund.last_error
    assert refund_send(refund=refund).attempts == 1  # a failed refund is not sent again


def test_refund_outage_stays_pending_for_retry_then_fails_after_the_bound(booking, stripe_fake):
    from bookingtjeneste.providers import TransientProviderError
    from payments.services import refunds

    payment = _pay_with_stripe(booking, stripe_fake)
    refund = Refund.objects.create(
        payment=payment, amount_ore=1_000, reason="manual", retain_until=payment.retain_until
    )
    stripe_fake.fail_next = [503] * refunds.MAX_REFUND_ATTEMPTS

    for _attempt in range(refunds.MAX_REFUND_ATTEMPTS - 1):
        with pytest.raises(TransientProviderError):
            refund_send(refund=refund)
        refund.refresh_from_db()
        assert refund.status == Refund.Status.PENDING
    refund = refund_send(refund=refund)

    assert refund.status == Refund.Status.FAILED
    assert refund.attempts == refunds.MAX_REFUND_ATTEMPTS


def test_late_cancellation_of_a_vipps_reservation_captures_only_the_fee(
    booking, vipps_fake, django_capture_on_commit_callbacks
):
    SupplierPaymentSettings.objects.filter(supplier=booking.supplier).update(
        late_cancellation_policy="fee", late_cancellation_fee_ore=10_000
    )
    payment = payment_start(booking=booking, provider_identifier="vipps", user=booking.customer)
    vipps_fake.authorize(payment.provider_reference)
    payment = payment_refresh(payment=payment)  # confirmed; the capture task has not run yet
    assert payment.status == Payment.Status.AUTHORIZED

    with django_capture_on_commit_callbacks(execute=True):
        _cancel_after_deadline(booking)

    reference = payment.provider_reference
    (fee,) = vipps_fake.calls("POST", f"/epayment/v1/payments/{reference}/capture")
    assert fee.json()["modificationAmount"]["value"] == 10_000
    assert len(vipps_fake.calls("POST", f"/epayment/v1/payments/{reference}/cancel")) == 1
    payment.refresh_from_db()
    assert (payment.status, payment.captured_ore) == (Payment.Status.PAID, 10_000)
    assert Refund.objects.get(payment=payment).amount_ore == 40_000
    receipt = Receipt.objects.get(payment=payment)
    assert (receipt.total_ore, receipt.vat_ore) == (10_000, 2_000)
