"""A payment and a cancellation racing on the same booking (PostgreSQL, real row locks)."""

import threading

import pytest
from django.conf import settings
from django.db import connection

from bookings.models import Booking
from bookings.services import booking_cancel
from payments.models import Payment, Refund
from payments.providers.base import ProviderState
from payments.services import order_get_or_create, payment_apply_state

from .factories import BookingFactory, PaymentSettingsFactory

pytestmark = pytest.mark.skipif(
    not settings.IS_POSTGRES, reason="row locks under real concurrency need PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(4))
def test_payment_and_cancellation_race_ends_refunded_without_deadlock(
    eager_tasks, stripe_fake, round_
):
    booking = BookingFactory()
    PaymentSettingsFactory(supplier=booking.supplier)
    order = order_get_or_create(booking=booking)
    payment = Payment.objects.create(
        order=order,
        provider="stripe",
        provider_reference=f"cs_race_{round_}",
        provider_secondary_reference=f"pi_race_{round_}",
        amount_ore=order.due_online_ore,
        status=Payment.Status.PENDING,
        retain_until=order.retain_until,
    )
    barrier = threading.Barrier(2)
    errors = []

    def run(action):
        try:
            barrier.wait()
            action()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    def pay():
        payment_apply_state(
            payment=payment, state=ProviderState(status="paid", captured_ore=payment.amount_ore)
        )

    def cancel():
        booking_cancel(booking=booking, by_user=booking.customer, by_supplier=False)

    threads = [threading.Thread(target=run, args=(action,)) for action in (pay, cancel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    (refund,) = Refund.objects.filter(payment=payment)
    assert (refund.amount_ore, refund.status) == (50_000, Refund.Status.SUCCEEDED)
