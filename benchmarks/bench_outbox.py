"""Outbox drain: 10,000 due SMS reminders, two Celery worker processes, a fake Twilio.

Measures the time from the relay's tick to the last row leaving the queue, and checks that no
reminder was lost (every row `sent`, every one accepted by the provider) and none was sent
twice (the fake counts each booking's reminder text once). Needs PostgreSQL (DATABASE_URL) and
Redis (REDIS_URL): the workers are separate processes sharing the benchmark database.

Figures, all from the same run:
- reference: the raw rate of one Twilio SDK client sending to the same fake server (no
  database, no Celery): the drain's rate is reported as a ratio to it;
- SQL statements and CPU ms per message of the send path (`messages_deliver`, what a worker
  task runs) on a sample sent in this process, counting this thread only (the fake runs in
  other threads of this process);
- the drain: messages/s, the workers' CPU ms per message (their processes' own CPU time, Celery
  included), lost and duplicated;
- a second, smaller drain where one worker is killed with SIGKILL mid-drain and replaced (as a
  supervisor does), with the relay ticking as beat would: lost and duplicated again. Rows the
  dead worker held come back when their claim lease (2 minutes) runs out, so this run takes
  longer than the lease.
"""

import os
import signal
import subprocess
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from benchmarks.support import (
    benchmark_database,
    celery_worker_start,
    processes_stop,
    salon_create,
    setup_django,
)
from benchmarks.support import database_url as support_database_url

ROOT = Path(__file__).resolve().parent.parent
REMINDERS = int(os.environ.get("BENCH_OUTBOX_REMINDERS", "10000"))
KILL_REMINDERS = int(os.environ.get("BENCH_OUTBOX_KILL_REMINDERS", "2000"))
SAMPLE = 500
REFERENCE_SENDS = 500
WORKERS = 2
CUSTOMERS = 200
RESOURCES = 20
DRAIN_TIMEOUT_SECONDS = 900
# Beat runs the relay every minute; the kill run ticks more often so it ends soon after the
# dead worker's claims run out.
KILL_RELAY_TICK_SECONDS = 5
TWILIO = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "bench-token",
    "TWILIO_MESSAGING_SERVICE_SID": "MG" + "0" * 32,
}


def _seed(*, tag: str, count: int, phone_prefix: int, due_in_seconds: float = 5):
    """Customers with SMS consent and verified numbers, confirmed bookings, due reminder rows.

    Each phase (`tag`) has its own supplier, customers and numbers. Returns the rows' due time
    and a queryset of the phase's rows.
    """
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from bookings.models import Booking
    from bookings.tests.factories import booking_build
    from notifications.models import Message
    from notifications.receivers import booking_context
    from notifications.services import messages_enqueue
    from privacy.services import consent_set

    now = timezone.now()
    supplier, resources, service = salon_create(
        slug=f"bench-salong-{tag}", name=f"Bench Salong {tag}", resources=RESOURCES
    )
    customers = []
    for n in range(CUSTOMERS):
        user = User.objects.create_user(
            f"bench-{tag}-{n}@example.com",
            None,
            phone=f"+47{phone_prefix}{n:07d}",
            full_name=f"Kunde {n}",
        )
        user.phone_verified_at = now
        user.save(update_fields=["phone_verified_at"])
        consent_set(subject=user, purpose="sms_notifications", granted=True, source="web")
        customers.append(user)
    first_start = now + timedelta(days=2)
    bookings = []
    for index in range(count):
        start = first_start + timedelta(hours=index // RESOURCES)
        bookings.append(
            booking_build(
                customer=customers[index % CUSTOMERS],
                service=service,
                resource=resources[index % RESOURCES],
                start=start,
                confirmed_at=now,
                reference=f"{tag[:2].upper()}-{phone_prefix}{index:07d}",
            )
        )
    Booking.objects.bulk_create(bookings, batch_size=1000)
    due_at = timezone.now() + timedelta(seconds=due_in_seconds)
    phase = Booking.objects.filter(supplier=supplier).select_related(
        "supplier", "service", "resource", "customer"
    )
    for chunk_start in range(0, count, 1000):
        with transaction.atomic():
            messages_enqueue(
                [
                    {
                        "template_key": "booking_reminder",
                        "channel": "sms",
                        "idempotency_key": f"bench:{tag}:{booking.pk}:reminder:sms",
                        "recipient": booking.customer,
                        "context": {**booking_context(booking), "offset_minutes": 120},
                        "booking": booking,
                        "due_at": due_at,
                    }
                    for booking in phase.order_by("pk")[chunk_start : chunk_start + 1000]
                ]
            )
    return due_at, Message.objects.filter(booking__supplier=supplier)


def _start_workers(database_url: str, fake_url: str, names) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        **TWILIO,
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "60",
        "TWILIO_API_URL": fake_url,
        "LOG_LEVEL": "WARNING",
    }
    return [
        celery_worker_start(
            f"bench{name}",
            env,
            loglevel=os.environ.get("BENCH_OUTBOX_WORKER_LOGLEVEL", "WARNING"),
            # BENCH_OUTBOX_WORKER_LOG=<dir>: each worker's log in <dir>/<name>.log, to debug.
            stderr=_worker_log(name),
        )
        for name in names
    ]


def _worker_log(name):
    directory = os.environ.get("BENCH_OUTBOX_WORKER_LOG")
    if not directory:
        return subprocess.DEVNULL
    return open(Path(directory) / f"{name}.log", "ab")


def _group_cpu_seconds(workers: list[subprocess.Popen]) -> float:
    """User + system CPU of every live process in the workers' process groups (/proc)."""
    groups = {worker.pid for worker in workers}
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        if int(fields[2]) in groups:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _wait_for_workers(app, count: int) -> None:
    deadline = time.monotonic() + 60
    while len(app.control.ping(timeout=0.5) or []) < count and time.monotonic() < deadline:
        time.sleep(0.5)


def _open(rows) -> bool:
    from notifications.models import Message

    return rows.filter(status__in=[Message.Status.QUEUED, Message.Status.SENDING]).exists()


def _accounting(rows, fake) -> dict:
    """Lost: a row not sent, or sent by our record but never accepted by the provider.
    Duplicated: the same text to the same number accepted more than once."""
    from notifications.models import Message

    accepted = Counter((r.data.get("To"), r.data.get("Body")) for r in fake.sms_sent())
    sent = list(
        rows.filter(status=Message.Status.SENT).values_list("recipient__phone", "body_text")
    )
    ours = {(str(phone), body) for phone, body in sent}
    total = rows.count()
    return {
        "lost": (total - len(sent)) + sum(1 for pair in ours if pair not in accepted),
        "duplicated": sum(accepted[pair] - 1 for pair in ours if accepted[pair] > 1),
        "statuses": dict(Counter(rows.values_list("status", flat=True))),
    }


def _reference_rate(fake) -> float:
    """Raw SDK sends per second to the fake: one client, no database, no Celery."""
    from notifications.gateways.twilio_sms import TwilioSmsGateway

    gateway = TwilioSmsGateway.from_settings()
    gateway.send(to="+4740000000", body="warm-up")
    started = time.perf_counter()
    for n in range(REFERENCE_SENDS):
        gateway.send(to=f"+474{n:07d}", body=f"reference {n}")
    return REFERENCE_SENDS / (time.perf_counter() - started)


def _send_path_sample() -> dict:
    """SQL statements and CPU ms per message of messages_deliver, in this thread only."""
    from django.db import connection
    from django.utils import timezone

    from notifications.services.delivery import SEND_BATCH_SIZE, messages_deliver

    # Due a moment after the insert, so no task is queued for them: this thread sends them.
    due_at, rows = _seed(tag="sample", count=SAMPLE, phone_prefix=8, due_in_seconds=1)
    time.sleep(max((due_at - timezone.now()).total_seconds(), 0))
    ids = list(rows.order_by("pk").values_list("pk", flat=True))
    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    cpu = time.thread_time()
    with connection.execute_wrapper(count):
        for start in range(0, len(ids), SEND_BATCH_SIZE):
            messages_deliver(message_ids=ids[start : start + SEND_BATCH_SIZE])
    cpu = time.thread_time() - cpu
    sent = rows.filter(status="sent").count()
    assert sent == SAMPLE, f"sample: {sent} of {SAMPLE} sent"
    return {"queries": statements / SAMPLE, "cpu_ms": cpu * 1000 / SAMPLE}


def _drain(app, database_url: str, fake) -> dict:
    from django.utils import timezone

    from notifications.tasks import relay_outbox

    due_at, rows = _seed(tag="drain", count=REMINDERS, phone_prefix=9)
    workers = _start_workers(database_url, fake.url, range(WORKERS))
    try:
        _wait_for_workers(app, WORKERS)
        time.sleep(max((due_at - timezone.now()).total_seconds(), 0))
        cpu = _group_cpu_seconds(workers)
        started = time.perf_counter()
        relay_outbox()  # one beat tick, run here so the timing starts at the tick
        deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
        while _open(rows) and time.monotonic() < deadline:
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        cpu = _group_cpu_seconds(workers) - cpu
        time.sleep(2)  # late duplicates, if any, would arrive now
    finally:
        processes_stop(workers)
    return {"seconds": seconds, "worker_cpu_ms": cpu * 1000 / REMINDERS, **_accounting(rows, fake)}


def _drain_with_kill(app, database_url: str, fake) -> dict:
    """Kill one worker (SIGKILL, its whole process group) a third of the way through."""
    from django.utils import timezone

    from notifications.models import Message
    from notifications.tasks import relay_outbox

    due_at, rows = _seed(tag="kill", count=KILL_REMINDERS, phone_prefix=7)
    workers = _start_workers(database_url, fake.url, ["k0", "k1"])
    killed = False
    try:
        _wait_for_workers(app, WORKERS)
        time.sleep(max((due_at - timezone.now()).total_seconds(), 0))
        started = time.perf_counter()
        relay_outbox()
        next_tick = time.monotonic() + KILL_RELAY_TICK_SECONDS
        deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
        while _open(rows) and time.monotonic() < deadline:
            if not killed and rows.filter(status=Message.Status.SENT).count() >= KILL_REMINDERS / 3:
                os.killpg(workers[0].pid, signal.SIGKILL)
                workers[0].wait(timeout=10)
                killed = True
                workers += _start_workers(database_url, fake.url, ["k2"])  # the supervisor
            if time.monotonic() >= next_tick:
                relay_outbox()
                next_tick = time.monotonic() + KILL_RELAY_TICK_SECONDS
            time.sleep(0.25)
        seconds = time.perf_counter() - started
        time.sleep(2)
    finally:
        processes_stop(workers)
    return {"seconds": seconds, "killed": killed, **_accounting(rows, fake)}


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
    from django.test import override_settings

    from bookingtjeneste.celery import app
    from notifications.tests.fakes import FakeProvider

    with (
        benchmark_database(),
        FakeProvider() as fake,
        override_settings(TWILIO_API_URL=fake.url, **TWILIO),
    ):
        app.control.purge()
        database_url = support_database_url(connection)
        try:
            reference = _reference_rate(fake)
            sample = _send_path_sample()
            drain = _drain(app, database_url, fake)
            app.control.purge()
            kill = _drain_with_kill(app, database_url, fake) if KILL_REMINDERS else None
        finally:
            app.control.purge()
    rate = REMINDERS / drain["seconds"]
    base = {"benchmark": "outbox_drain"}
    setup = f"{REMINDERS} due SMS reminders, {WORKERS} Celery worker processes, Redis broker"
    yield {**base, "metric": "reminders", "value": REMINDERS, "setup": setup}
    yield {**base, "metric": "drain_seconds", "value": round(drain["seconds"], 2), "target": "< 60"}
    yield {
        **base,
        "metric": "messages_per_s",
        "value": round(rate, 1),
        "reference": round(reference, 1),
        "reference_is": "one Twilio SDK client sending to the same fake, no database or Celery",
        "ratio": round(rate / reference, 3),
    }
    yield {**base, "metric": "worker_cpu_ms_per_message", "value": round(drain["worker_cpu_ms"], 2)}
    yield {
        **base,
        "metric": "send_path_queries_per_message",
        "value": round(sample["queries"], 2),
        "setup": f"messages_deliver over {SAMPLE} reminders in this process",
    }
    yield {**base, "metric": "send_path_cpu_ms_per_message", "value": round(sample["cpu_ms"], 2)}
    yield {**base, "metric": "lost", "value": drain["lost"], "target": "0"}
    yield {**base, "metric": "duplicated", "value": drain["duplicated"], "target": "0"}
    yield {**base, "metric": "statuses", "value": drain["statuses"]}
    if kill is not None:
        kill_base = {"benchmark": "outbox_drain_worker_killed"}
        yield {
            **kill_base,
            "metric": "reminders",
            "value": KILL_REMINDERS,
            "setup": "one of 2 workers SIGKILLed a third of the way through, then replaced",
            "killed": kill["killed"],
        }
        yield {**kill_base, "metric": "drain_seconds", "value": round(kill["seconds"], 2)}
        yield {**kill_base, "metric": "lost", "value": kill["lost"], "target": "0"}
        yield {**kill_base, "metric": "duplicated", "value": kill["duplicated"], "target": "0"}
        yield {**kill_base, "metric": "statuses", "value": kill["statuses"]}
