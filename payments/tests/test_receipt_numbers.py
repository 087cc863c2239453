"""Receipt numbers have no gaps and no duplicates under concurrent payments (PostgreSQL)."""

import threading

import pytest
from django.conf import settings
from django.db import connection, transaction

from payments.models import Payment, Receipt
from payments.providers.base import ProviderState
from payments.services import order_get_or_create, payment_apply_state
from payments.services.receipts import receipt_issue

from .factories import BookingFactory, PaymentSettingsFactory, ResourceFactory, ServiceFactory

pytestmark = pytest.mark.skipif(
    not settings.IS_POSTGRES, reason="row locks under real concurrency need PostgreSQL"
)

PAYMENTS = 12


class Rollback(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_get_gapless_receipt_numbers(eager_tasks):
    service = ServiceFactory()
    PaymentSettingsFactory(supplier=service.supplier)
    payments = []
    for _ in range(PAYMENTS):
        booking = BookingFactory(
            service=service, resource=ResourceFactory(supplier=service.supplier)
        )
        order = order_get_or_create(booking=booking)
        payments.append(
            Payment.objects.create(
                order=order,
                provider="stripe",
                provider_reference=f"cs_{booking.reference}",
                amount_ore=order.due_online_ore,
                status=Payment.Status.PENDING,
                retain_until=order.retain_until,
            )
        )
    barrier = threading.Barrier(PAYMENTS + 2)
    errors = []

    def pay(payment):
        try:
            barrier.wait()
            payment_apply_state(
                payment=payment,
                state=ProviderState(status="paid", captured_ore=payment.amount_ore),
            )
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    def take_a_number_and_roll_back():
        # A transaction that takes a number and then fails must not leave a gap.
        try:
            barrier.wait()
            with transaction.atomic():
                locked = Payment.objects.select_for_update().get(pk=payments[0].pk)
                locked.captured_ore = locked.amount_ore
                receipt_issue(payment=locked)
                raise Rollback
        except Rollback:
            pass
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(payment,)) for payment in payments]
    threads += [threading.Thread(target=take_a_number_and_roll_back) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    numbers = sorted(
        Receipt.objects.filter(supplier=service.supplier).values_list("number", flat=True)
    )
    assert numbers == list(range(1, PAYMENTS + 1))
    assert (
        Payment.objects.filter(order__supplier=service.supplier, status="paid").count() == PAYMENTS
    )
