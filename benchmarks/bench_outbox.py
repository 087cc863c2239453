"""Outbox drain: 10,000 due SMS reminders, two Celery worker processes, a fake Twilio.

Measures the time from the relay's tick to the last row leaving the queue, and checks that no
reminder was lost (every row `sent`, every one accepted by the provider) and none was sent
twice (the fake counts each booking's reminder text once). Needs PostgreSQL (DATABASE_URL) and
Redis (REDIS_URL): the workers are separate processes sharing the benchmark database.
"""

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from benchmarks.support import benchmark_database, setup_django

ROOT = Path(__file__).resolve().parent.parent
REMINDERS = int(os.environ.get("BENCH_OUTBOX_REMINDERS", "10000"))
WORKERS = 2
CUSTOMERS = 200
RESOURCES = 20
DRAIN_TIMEOUT_SECONDS = 900


def _database_url(connection) -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _seed(now):
    """Customers with SMS consent and verified numbers, confirmed bookings, due reminder rows."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from bookings.models import Booking, Resource, Service, Supplier
    from notifications.receivers import booking_context
    from notifications.services import message_enqueue
    from privacy.services import consent_set

    supplier = Supplier.objects.create(name="Bench Salong", slug="bench-salong")
    resources = Resource.objects.bulk_create(
        Resource(supplier=supplier, name=f"Stol {n}") for n in range(RESOURCES)
    )
    service = Service.objects.create(supplier=supplier, name="Klipp", duration_minutes=30)
    service.resources.set(resources)
    customers = []
    for n in range(CUSTOMERS):
        user = User.objects.create_user(
            f"bench{n}@example.com", None, phone=f"+479{n:07d}", full_name=f"Kunde {n}"
        )
        user.phone_verified_at = timezone.now()
        user.save(update_fields=["phone_verified_at"])
        consent_set(subject=user, purpose="sms_notifications", granted=True, source="web")
        customers.append(user)
    first_start = now + timedelta(days=2)
    bookings = []
    for index in range(REMINDERS):
        start = first_start + timedelta(hours=index // RESOURCES)
        bookings.append(
            Booking(
                customer=customers[index % CUSTOMERS],
                supplier=supplier,
                service=service,
                resource=resources[index % RESOURCES],
                start=start,
                end=start + timedelta(minutes=30),
                blocked_start=start,
                blocked_end=start + timedelta(minutes=30),
                status=Booking.Status.CONFIRMED,
                price_ore=0,
                vat_rate=25,
                confirmed_at=now,
            )
        )
    Booking.objects.bulk_create(bookings, batch_size=1000)
    due_at = timezone.now() + timedelta(seconds=5)
    for chunk_start in range(0, REMINDERS, 1000):
        with transaction.atomic():
            for booking in Booking.objects.select_related(
                "supplier", "service", "resource", "customer"
            ).order_by("pk")[chunk_start : chunk_start + 1000]:
                message_enqueue(
                    template_key="booking_reminder",
                    channel="sms",
                    idempotency_key=f"booking:{booking.pk}:reminder:bench:sms",
                    recipient=booking.customer,
                    context={**booking_context(booking), "offset_minutes": 120},
                    booking=booking,
                    due_at=due_at,
                )
    return due_at


def _start_workers(database_url: str, fake_url: str) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "60",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "bench-token",
        "TWILIO_MESSAGING_SERVICE_SID": "MG" + "0" * 32,
        "TWILIO_API_URL": fake_url,
        "LOG_LEVEL": "WARNING",
    }
    return [
        subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "bookingtjeneste", "worker",
                "--pool=prefork", "--concurrency=1", "-n", f"bench{n}@%h",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(WORKERS)
    ]


def _stop(workers: list[subprocess.Popen]) -> None:
    import signal

    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)


def run():
    if not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL", "").startswith(
        "postgres"
    ):
        yield {
            "benchmark": "outbox_drain",
            "skipped": "needs DATABASE_URL (PostgreSQL) and REDIS_URL",
        }
        return
    setup_django()
    from django.db import connection
    from django.utils import timezone

    from bookingtjeneste.celery import app
    from notifications.models import Message
    from notifications.tasks import relay_outbox
    from notifications.tests.fakes import FakeProvider

    with benchmark_database(), FakeProvider() as fake:
        app.control.purge()
        due_at = _seed(timezone.now())
        workers = _start_workers(_database_url(connection), fake.url)
        try:
            deadline = time.monotonic() + 60
            while not app.control.ping(timeout=0.5) and time.monotonic() < deadline:
                time.sleep(0.5)
            time.sleep(max((due_at - timezone.now()).total_seconds(), 0))
            started = time.perf_counter()
            relay_outbox()  # one beat tick, run here so the timing starts at the tick
            open_statuses = [Message.Status.QUEUED, Message.Status.SENDING]
            deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
            while Message.objects.filter(status__in=open_statuses).exists():
                if time.monotonic() > deadline:
                    break
                time.sleep(0.25)
            drain_seconds = time.perf_counter() - started
            time.sleep(2)  # late duplicates, if any, would arrive now
        finally:
            _stop(workers)
            app.control.purge()
        statuses = Counter(Message.objects.values_list("status", flat=True))
        accepted = Counter((r.data.get("To"), r.data.get("Body")) for r in fake.sms_sent())
        duplicates = sum(count - 1 for count in accepted.values() if count > 1)
        lost = REMINDERS - statuses.get(Message.Status.SENT, 0)
        not_at_provider = REMINDERS - len(accepted)
    yield {"benchmark": "outbox_drain", "metric": "reminders", "value": REMINDERS}
    yield {"benchmark": "outbox_drain", "metric": "workers", "value": WORKERS}
    yield {
        "benchmark": "outbox_drain",
        "metric": "drain_seconds",
        "value": round(drain_seconds, 2),
    }
    yield {
        "benchmark": "outbox_drain",
        "metric": "throughput_per_second",
        "value": round(REMINDERS / drain_seconds, 1),
    }
    yield {"benchmark": "outbox_drain", "metric": "lost", "value": max(lost, not_at_provider),
           "target": "0"}
    yield {"benchmark": "outbox_drain", "metric": "duplicates", "value": duplicates,
           "target": "0"}
    yield {"benchmark": "outbox_drain", "metric": "statuses", "value": dict(statuses)}
