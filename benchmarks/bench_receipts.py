"""Receipts across processes: one supplier's gapless numbers at >= 100 receipts/s (PostgreSQL).

The backlog a burst of payment webhooks leaves: one supplier, paid payments without a receipt.
Worker processes (forked, each with its own database connection, as separate worker nodes
would be) take payments from disjoint lists and run the receipt step of
`payment_apply_state` in a transaction each: lock the payment chain, `receipt_issue`,
`customer_notify_receipt` (the e-mail row in the outbox). Every tenth transaction first takes
a number and rolls back, which must not leave a gap.

Figures: receipts/s with 1 process and with PROCESSES processes; the reference, measured in
the same run by the same processes: bare counter increments per second (UPDATE ... RETURNING
and COMMIT, the ceiling the supplier's counter row alone leaves), and the ratio to it; and
gapless numbers, checked at the end by one query over the supplier's receipts (count ==
distinct count == highest number, lowest 1).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.support import benchmark_database

PROCESSES = int(os.environ.get("BENCH_RECEIPT_PROCESSES", "4"))
SINGLE = int(os.environ.get("BENCH_RECEIPTS_SINGLE", "150"))
MULTI = int(os.environ.get("BENCH_RECEIPTS_MULTI", "600"))
COUNTER_INCREMENTS = 400  # per process, for the reference
ROLLBACK_EVERY = 10


class Rollback(Exception):
    pass


def _backlog(count: int):
    """`count` confirmed bookings with a paid order and payment, no receipt yet."""
    from django.utils import timezone

    from accounts.models import User
    from bookings.models import Booking, Resource, Service, Supplier
    from payments.models import Order, OrderLine, Payment, SupplierPaymentSettings
    from payments.selectors import retention_date_for
    from payments.services import vat_included

    supplier = Supplier.objects.create(
        name="Bench Kvittering", slug="bench-receipts", organisation_number="123456785"
    )
    SupplierPaymentSettings.objects.create(supplier=supplier, enabled_providers=["stripe"])
    service = Service.objects.create(
        supplier=supplier, name="Klipp", duration_minutes=30, price_ore=50_000, payment_mode="full"
    )
    resource = Resource.objects.create(supplier=supplier, name="Stol")
    customer = User.objects.create_user("bench-receipts@example.com", "x" * 12)
    first = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    bookings = Booking.objects.bulk_create(
        Booking(
            customer=customer,
            supplier=supplier,
            service=service,
            resource=resource,
            start=first + timedelta(minutes=30 * index),
            end=first + timedelta(minutes=30 * index + 30),
            blocked_start=first + timedelta(minutes=30 * index),
            blocked_end=first + timedelta(minutes=30 * index + 30),
            status=Booking.Status.CONFIRMED,
            price_ore=service.price_ore,
            vat_rate=service.vat_rate,
            reference=f"BK-R{index:05d}",
        )
        for index in range(count)
    )
    vat = vat_included(service.price_ore, service.vat_rate)
    retain_until = retention_date_for()
    orders = Order.objects.bulk_create(
        Order(
            supplier=supplier,
            booking=booking,
            booking_reference=booking.reference,
            customer=customer,
            customer_email=customer.email,
            total_ore=booking.price_ore,
            vat_ore=vat,
            due_online_ore=booking.price_ore,
            status=Order.Status.PAID,
            paid_at=timezone.now(),
            retain_until=retain_until,
        )
        for booking in bookings
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            description=service.name,
            unit_price_ore=order.total_ore,
            vat_rate=service.vat_rate,
            total_ore=order.total_ore,
            vat_ore=vat,
        )
        for order in orders
    )
    payments = Payment.objects.bulk_create(
        Payment(
            order=order,
            provider="stripe",
            provider_reference=f"cs_r_{order.booking_reference}",
            amount_ore=order.due_online_ore,
            captured_ore=order.due_online_ore,
            status=Payment.Status.PAID,
            paid_at=timezone.now(),
            retain_until=retain_until,
        )
        for order in orders
    )
    return supplier, [payment.pk for payment in payments]


def _issue_receipts(payment_ids: list[int]) -> int:
    """The receipt step of payment_apply_state, one transaction per payment; returns rollbacks."""
    from django.db import transaction

    from payments.locks import lock_payment_chain
    from payments.services.notify import customer_notify_receipt
    from payments.services.receipts import receipt_issue

    rollbacks = 0
    for index, payment_id in enumerate(payment_ids):
        if index % ROLLBACK_EVERY == 0:
            try:
                with transaction.atomic():
                    _order, payment = lock_payment_chain(payment_id)
                    receipt_issue(payment=payment)
                    raise Rollback
            except Rollback:
                rollbacks += 1
        with transaction.atomic():
            _order, payment = lock_payment_chain(payment_id)
            customer_notify_receipt(receipt=receipt_issue(payment=payment))
    return rollbacks


def _increment_counter(supplier_id: int) -> int:
    from django.db import transaction

    from payments.services.receipts import _next_receipt_number

    for _ in range(COUNTER_INCREMENTS):
        with transaction.atomic():
            _next_receipt_number(supplier_id)
    return 0


def _child(work, argument, ready, results) -> None:
    from django.db import connection

    try:
        connection.ensure_connection()  # connected before the clock starts
        ready.wait()
        cpu = time.process_time()
        value = work(argument)
        results.put(("ok", value, time.process_time() - cpu))
    except Exception as error:  # reported to the parent, which fails the figure
        results.put(("error", repr(error)[:300], 0.0))
    finally:
        connection.close()


def _in_processes(work, arguments: list) -> tuple[float, list]:
    """Run work(argument) in one forked process per argument; (seconds, results)."""
    from django.db import connections

    connections.close_all()  # children must not share the parent's socket
    context = multiprocessing.get_context("fork")
    ready = context.Barrier(len(arguments) + 1)
    results = context.Queue()
    children = [
        context.Process(target=_child, args=(work, argument, ready, results))
        for argument in arguments
    ]
    for child in children:
        child.start()
    ready.wait()
    started = time.perf_counter()
    outcomes = [results.get(timeout=600) for _ in children]
    elapsed = time.perf_counter() - started
    for child in children:
        child.join(timeout=60)
    return elapsed, outcomes


def _numbering(supplier_id: int) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT number), min(number), max(number) "
            "FROM payments_receipt WHERE supplier_id = %s",
            [supplier_id],
        )
        count, distinct, lowest, highest = cursor.fetchone()
    return {
        "receipts": count,
        "gapless": count == distinct == highest and lowest == 1,
    }


def measure() -> dict:
    from celery import current_app
    from django.template import Template

    from bookings.models import Supplier
    from payments.models import ReceiptCounter

    supplier, payment_ids = _backlog(SINGLE + MULTI)
    reference_supplier = Supplier.objects.create(name="Bench Teller", slug="bench-counter")
    ReceiptCounter.objects.create(supplier=reference_supplier)
    conf = current_app.conf
    conf.task_always_eager, conf.broker_url = False, "memory://"
    # A worker renders the receipt e-mail without the test environment's instrumentation.
    from django.test import utils

    Template._render = getattr(utils._TestState.saved_data, "template_render", Template._render)

    single, multi = payment_ids[:SINGLE], payment_ids[SINGLE:]
    single_seconds, single_results = _in_processes(_issue_receipts, [single])
    multi_seconds, multi_results = _in_processes(
        _issue_receipts, [multi[index::PROCESSES] for index in range(PROCESSES)]
    )
    counter_seconds, counter_results = _in_processes(
        _increment_counter, [reference_supplier.pk] * PROCESSES
    )
    errors = [
        value
        for kind, value, _cpu in single_results + multi_results + counter_results
        if kind == "error"
    ]
    rollbacks = sum(value for kind, value, _cpu in single_results + multi_results if kind == "ok")
    # Python CPU per receipt (rolled-back attempts included) across the worker processes: the
    # figure a loaded machine does not distort; PostgreSQL's own CPU is not in it.
    cpu_seconds = sum(cpu for _kind, _value, cpu in single_results + multi_results)
    counter = ReceiptCounter.objects.get(supplier=reference_supplier).last_number
    return {
        "single_rate": SINGLE / single_seconds,
        "multi_rate": MULTI / multi_seconds,
        "counter_rate": counter / counter_seconds,
        "counter_exact": counter == COUNTER_INCREMENTS * PROCESSES,
        "cpu_ms_per_receipt": cpu_seconds * 1000 / (SINGLE + MULTI),
        "rollbacks": rollbacks,
        "errors": errors,
        **_numbering(supplier.pk),
    }


def run():
    from django.conf import settings

    os.environ.setdefault("LOG_LEVEL", "ERROR")
    with benchmark_database():
        if not settings.IS_POSTGRES:
            yield {"benchmark": "receipts_across_processes", "skipped": "needs PostgreSQL"}
            return
        figures = measure()
    setup = (
        f"one supplier, {SINGLE} receipts in 1 process, then {MULTI} in {PROCESSES} processes; "
        f"every {ROLLBACK_EVERY}th transaction first takes a number and rolls back"
    )
    yield {
        "benchmark": "receipts_across_processes",
        "metric": "receipts_per_s_1_process",
        "value": round(figures["single_rate"], 1),
        "cpu_ms_per_receipt": round(figures["cpu_ms_per_receipt"], 2),
        "setup": setup,
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    yield {
        "benchmark": "receipts_across_processes",
        "metric": f"receipts_per_s_{PROCESSES}_processes",
        "value": round(figures["multi_rate"], 1),
        "target": ">= 100",
        "ok": figures["multi_rate"] >= 100,
        "speedup_vs_1_process": round(figures["multi_rate"] / figures["single_rate"], 2),
    }
    yield {
        "benchmark": "receipts_across_processes",
        "metric": "ratio_vs_bare_counter_increments",
        "value": round(figures["multi_rate"] / figures["counter_rate"], 3),
        "reference_increments_per_s": round(figures["counter_rate"], 1),
        "reference_exact": figures["counter_exact"],
        "note": "the reference is the counter row alone (UPDATE ... RETURNING + COMMIT), "
        f"{PROCESSES} processes, same run",
    }
    yield {
        "benchmark": "receipts_across_processes",
        "metric": "gapless",
        "value": figures["gapless"] and not figures["errors"],
        "target": "true",
        "receipts": figures["receipts"],
        "expected": SINGLE + MULTI,
        "rolled_back_numbers": figures["rollbacks"],
        "errors": figures["errors"][:3],
    }


if __name__ == "__main__":
    import json

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookingtjeneste.settings")
    for figure in run():
        print(json.dumps(figure, ensure_ascii=False), flush=True)
