"""Payments: signed Stripe webhooks end to end, duplicate deliveries, receipt numbering.

1. `stripe_webhook_ack`: a correctly signed `checkout.session.completed` posted to
   /webhooks/stripe/ → verified, stored once, task queued, 200. Median and p95.
2. `stripe_webhook_duplicate`: the same event again: verified and acknowledged, nothing redone.
   `stripe_webhook_process`: the task: the real SDK re-reads the session from a local fake,
   the booking is confirmed, the receipt issued and queued.
3. `receipt_numbers_concurrent` (PostgreSQL only): threads paying at once for one supplier;
   receipts per second, and a check that the numbers are 1..N without gaps.
"""

import os
import statistics
import threading
import time
from datetime import timedelta

from benchmarks.support import benchmark_database

EVENTS = int(os.environ.get("BENCH_PAYMENT_EVENTS", "150"))
CONCURRENT_PAYMENTS = int(os.environ.get("BENCH_PAYMENT_CONCURRENT", "40"))
THREADS = 8
WEBHOOK_SECRET = "whsec_bench"


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * fraction))], 2)


def _bookings(count: int):
    from django.utils import timezone

    from accounts.models import User
    from bookings.models import Booking, Resource, Service, Supplier
    from payments.models import SupplierPaymentSettings

    supplier = Supplier.objects.create(name="Bench Betaling", slug=f"bench-pay-{time.time_ns()}")
    SupplierPaymentSettings.objects.create(supplier=supplier, enabled_providers=["stripe"])
    service = Service.objects.create(
        supplier=supplier, name="Klipp", duration_minutes=30, price_ore=50_000, payment_mode="full"
    )
    customer = User.objects.create_user(f"bench-{time.time_ns()}@example.com", "x" * 12)
    start = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    bookings = []
    for index in range(count):
        resource = Resource.objects.create(supplier=supplier, name=f"Stol {index}")
        begin = start + timedelta(hours=index % 48)
        bookings.append(
            Booking.objects.create(
                customer=customer,
                supplier=supplier,
                service=service,
                resource=resource,
                start=begin,
                end=begin + timedelta(minutes=30),
                blocked_start=begin,
                blocked_end=begin + timedelta(minutes=30),
                status=Booking.Status.PENDING_PAYMENT,
                price_ore=service.price_ore,
                vat_rate=service.vat_rate,
                hold_expires_at=timezone.now() + timedelta(minutes=15),
            )
        )
    return supplier, bookings


def _webhooks(fake) -> list[dict]:
    """Acknowledge (verify + store + queue) and process (refresh + confirm + receipt) separately.

    Tasks go to an in-memory broker, as they would to Redis in production; processing is then
    timed by running each queued webhook task's body the way a worker would.
    """
    import stripe
    from django.test import Client

    from payments.models import Receipt, WebhookEvent
    from payments.services import payment_start
    from payments.tasks import process_webhook_event
    from payments.tests.fixtures import stripe_event

    supplier, bookings = _bookings(EVENTS)
    client = Client()
    acknowledged, duplicate, processed = [], [], []
    for index, booking in enumerate(bookings):
        payment = payment_start(
            booking=booking, provider_identifier="stripe", user=booking.customer
        )
        session = fake.complete(payment.provider_reference)
        body = stripe_event(f"evt_bench_{index}", "checkout.session.completed", session)
        for timings in (acknowledged, duplicate):
            header = stripe.WebhookSignature.generate_signature_header(
                body.decode(), WEBHOOK_SECRET
            )
            started = time.perf_counter()
            response = client.post(
                "/webhooks/stripe/",
                body,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=header,
            )
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content
    for event_id in WebhookEvent.objects.order_by("pk").values_list("pk", flat=True):
        started = time.perf_counter()
        process_webhook_event(event_id)
        processed.append((time.perf_counter() - started) * 1000)
    receipts = Receipt.objects.filter(supplier=supplier).count()
    return [
        {
            "benchmark": "stripe_webhook_ack",
            "metric": "median_ms",
            "value": round(statistics.median(acknowledged), 2),
            "target": "< 50",
        },
        {
            "benchmark": "stripe_webhook_ack",
            "metric": "p95_ms",
            "value": _percentile(acknowledged, 0.95),
            "target": "< 100",
        },
        {
            "benchmark": "stripe_webhook_duplicate",
            "metric": "median_ms",
            "value": round(statistics.median(duplicate), 2),
            "target": "< 50",
        },
        {
            "benchmark": "stripe_webhook_process",
            "metric": "median_ms",
            "value": round(statistics.median(processed), 2),
            "target": "< 150",
        },
        {
            "benchmark": "stripe_webhook_process",
            "metric": "receipts_issued",
            "value": receipts,
            "target": f"== {EVENTS}",
        },
    ]


def _concurrent_receipts() -> list[dict]:
    from django.db import connection

    from payments.models import Payment, Receipt
    from payments.providers.base import ProviderState
    from payments.services import order_get_or_create, payment_apply_state

    supplier, bookings = _bookings(CONCURRENT_PAYMENTS)
    payments = []
    for booking in bookings:
        order = order_get_or_create(booking=booking)
        payments.append(
            Payment.objects.create(
                order=order,
                provider="stripe",
                provider_reference=f"cs_c_{booking.reference}",
                amount_ore=order.due_online_ore,
                status="pending",
                retain_until=order.retain_until,
            )
        )
    queue = list(payments)
    lock = threading.Lock()
    errors = []

    def worker():
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    payment = queue.pop()
                payment_apply_state(
                    payment=payment,
                    state=ProviderState(status="paid", captured_ore=payment.amount_ore),
                )
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    numbers = sorted(Receipt.objects.filter(supplier=supplier).values_list("number", flat=True))
    return [
        {
            "benchmark": "receipt_numbers_concurrent",
            "metric": "receipts_per_second",
            "value": round(len(numbers) / elapsed, 1),
            "target": "> 20",
            "threads": THREADS,
        },
        {
            "benchmark": "receipt_numbers_concurrent",
            "metric": "gapless",
            "value": numbers == list(range(1, CONCURRENT_PAYMENTS + 1)) and not errors,
            "target": "true",
        },
    ]


def run():
    from django.test import override_settings

    from payments.tests.fakes import StripeFake

    fake = StripeFake()
    stripe_settings = {
        "STRIPE_SECRET_KEY": "sk_test_bench",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_URL": fake.url,
    }
    # The environment serves a run of this module alone; under `make bench` an earlier module
    # has already loaded the settings, so they are overridden as well.
    os.environ.update(stripe_settings, LOG_LEVEL="ERROR")
    try:
        with benchmark_database(), override_settings(**stripe_settings):
            from django.conf import settings

            from bookingtjeneste.celery import app

            # Queue to memory (no worker) so acknowledging is timed apart from processing.
            app.conf.task_always_eager = False
            app.conf.broker_url = "memory://"
            figures = _webhooks(fake)
            if settings.IS_POSTGRES:
                figures += _concurrent_receipts()
            yield from figures
    finally:
        fake.stop()
