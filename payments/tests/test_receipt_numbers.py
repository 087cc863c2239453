"""Receipt numbers have no gaps and no duplicates under concurrent payments (PostgreSQL)."""

import multiprocessing
import threading

import pytest
from django.conf import settings
from django.db import connection, connections, transaction

from payments.locks import lock_payment_chain
from payments.models import Payment, Receipt, ReceiptCounter
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
    payments = _payments(service, PAYMENTS, paid=False)
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


def _payments(service, count: int, *, paid: bool) -> list[Payment]:
    """One booking, order and Stripe payment each: captured and paid, or pending."""
    payments = []
    for _ in range(count):
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
                captured_ore=order.due_online_ore if paid else 0,
                status=Payment.Status.PAID if paid else Payment.Status.PENDING,
                retain_until=order.retain_until,
            )
        )
    return payments


def _issue_in_child(payment_ids: list[int], ready, results) -> None:
    """A separate worker process: its own connection, one transaction per receipt, and first
    one transaction that takes a number and rolls back."""
    try:
        connection.ensure_connection()
        ready.wait()
        try:
            with transaction.atomic():
                _order, payment = lock_payment_chain(payment_ids[0])
                receipt_issue(payment=payment)
                raise Rollback
        except Rollback:
            pass
        for payment_id in payment_ids:
            with transaction.atomic():
                _order, payment = lock_payment_chain(payment_id)
                receipt_issue(payment=payment)
        results.put("ok")
    except Exception as error:
        results.put(repr(error))
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_receipt_numbers_are_gapless_across_processes():
    # Worker nodes are separate processes with their own connections: only the database's
    # row lock on the counter keeps the numbers in order.
    service = ServiceFactory()
    PaymentSettingsFactory(supplier=service.supplier)
    payments = _payments(service, PAYMENTS, paid=True)
    ids = [payment.pk for payment in payments]
    processes = 3
    connections.close_all()  # the children must not share this process's socket
    context = multiprocessing.get_context("fork")
    ready = context.Barrier(processes)
    results = context.Queue()
    children = [
        context.Process(target=_issue_in_child, args=(ids[index::processes], ready, results))
        for index in range(processes)
    ]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=60)

    assert outcomes == ["ok"] * processes
    numbers = sorted(
        Receipt.objects.filter(supplier=service.supplier).values_list("number", flat=True)
    )
    assert numbers == list(range(1, PAYMENTS + 1))
    assert ReceiptCounter.objects.get(supplier=service.supplier).last_number == PAYMENTS
    assert sorted(Receipt.objects.values_list("payment_id", flat=True)) == sorted(ids)


@pytest.mark.django_db(transaction=True)
def test_numbering_continues_from_the_counter_and_creates_it_once():
    service = ServiceFactory()
    PaymentSettingsFactory(supplier=service.supplier)
    first, second, third = _payments(service, 3, paid=True)
    other_service = ServiceFactory()
    ReceiptCounter.objects.create(supplier=other_service.supplier, last_number=41)
    (elsewhere,) = _payments(other_service, 1, paid=True)

    for payment in (first, second):
        with transaction.atomic():
            receipt_issue(payment=lock_payment_chain(payment.pk)[1])
    with transaction.atomic():
        receipt_issue(payment=lock_payment_chain(elsewhere.pk)[1])
    with transaction.atomic():
        again = receipt_issue(payment=lock_payment_chain(first.pk)[1])  # idempotent
        issued = receipt_issue(payment=lock_payment_chain(third.pk)[1])

    assert ReceiptCounter.objects.filter(supplier=service.supplier).count() == 1
    assert again.number == 1
    assert issued.number == 3
    assert Receipt.objects.get(payment=elsewhere).number == 42
