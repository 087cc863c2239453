"""Scale-out: 1 → N web nodes (gunicorn) and N Celery workers on one PostgreSQL and one Redis.

Every node is its own OS process with its own database connections, as a separate machine would
be; a round-robin client stands in for the load balancer. Each phase runs a mixed load for a
fixed time — slot lists, bookings (customers race for the same slots, so 409s are expected),
cancellations of their own bookings — while a batch of SMS reminders falls due and the workers
drain the outbox through a fake Twilio/Brevo. After each phase it checks the invariants:
no two active bookings overlap on a resource, every message written in the phase left the
outbox (sent, or suppressed because its booking was cancelled) and the provider accepted none
of them twice. Throughput per node count is reported against the 1-node phase of the same run.

Needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL). Knobs: BENCH_SCALEOUT_NODES ("1,2,3"),
BENCH_SCALEOUT_SECONDS (20 per phase), BENCH_SCALEOUT_CLIENTS (12 client threads),
BENCH_SCALEOUT_REMINDERS (600 per phase).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.support import (
    benchmark_database,
    celery_worker_start,
    database_url,
    processes_stop,
    salon_create,
    setup_django,
)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NODE_COUNTS = [int(n) for n in os.environ.get("BENCH_SCALEOUT_NODES", "1,2,3").split(",")]
PHASE_SECONDS = float(os.environ.get("BENCH_SCALEOUT_SECONDS", "20"))
CLIENTS = int(os.environ.get("BENCH_SCALEOUT_CLIENTS", "12"))
REMINDERS_PER_PHASE = int(os.environ.get("BENCH_SCALEOUT_REMINDERS", "600"))
CUSTOMERS = 24
RESOURCES = 6
SLOT_MINUTES = 30
DRAIN_TIMEOUT_SECONDS = 300
OSLO = ZoneInfo("Europe/Oslo")
# A booking 50/50 cancels later; slot lists dominate, as on a real booking site.
MIX = [("slots", 0.6), ("book", 0.3), ("cancel", 0.1)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: Counter = field(default_factory=Counter)
    booked: list[tuple[str, int]] = field(default_factory=list)  # (token, booking id)

    def add(self, key: str) -> None:
        with self.lock:
            self.counts[key] += 1


def _seed():
    """One salon, chairs open 06–22 every day, customers with API tokens and SMS consent."""
    from django.core.cache import cache
    from django.utils import timezone

    from accounts.models import User
    from accounts.services import api_token_issue
    from privacy.services import consent_set

    supplier, resources, service = salon_create(
        slug="skala-salong",
        name="Skala Salong",
        resources=RESOURCES,
        weekly={day: (wall_time(6), wall_time(22)) for day in range(7)},
        closed_on_public_holidays=False,
        # One reminder per booking: two would carry the same text, due at the same moment here.
        reminder_offsets_minutes=[120],
    )
    tokens = []
    for n in range(CUSTOMERS):
        user = User.objects.create_user(f"skala{n}@example.com", None, full_name=f"Kunde {n}")
        user.phone = f"+4798{n:06d}"
        user.phone_verified_at = timezone.now()
        user.save(update_fields=["phone", "phone_verified_at"])
        consent_set(subject=user, purpose="sms_notifications", granted=True, source="web")
        cache.delete(f"throttle_user_{user.pk}")
        tokens.append(api_token_issue(user=user))
    return supplier, service, resources, tokens


def _seed_reminders(supplier, service, resources, *, due_at: datetime, phase: int) -> int:
    """Confirmed bookings far ahead whose reminder rows (written by the real scheduler) fall due
    at `due_at`: the queue a worker pool meets when a busy morning's reminders come due."""
    from django.db import transaction

    from accounts.models import User
    from bookings.models import Booking
    from bookings.tests.factories import booking_build
    from notifications.models import Message
    from notifications.receivers import reminders_schedule

    customers = list(User.objects.filter(email__startswith="skala").order_by("pk"))
    # 300+ days ahead on 7-minute steps: never meets the live load's half-hour slots.
    base = due_at + timedelta(days=300 + phase * 20)
    bookings = []
    for index in range(REMINDERS_PER_PHASE):
        start = base + timedelta(minutes=7 * (index // RESOURCES))
        bookings.append(
            booking_build(
                customer=customers[index % len(customers)],
                service=service,
                resource=resources[index % RESOURCES],
                start=start,
                minutes=5,
                confirmed_at=due_at,
                reference=f"SC-{phase}{index:07d}",
            )
        )
    Booking.objects.bulk_create(bookings, batch_size=500)
    with transaction.atomic():
        for booking in Booking.objects.filter(pk__in=[b.pk for b in bookings]).select_related(
            "supplier", "service", "resource", "customer"
        ):
            reminders_schedule(booking=booking)
    return Message.objects.filter(booking__in=bookings).update(due_at=due_at)


def _start_nodes(count: int, env: dict, log_dir: Path) -> tuple[list[subprocess.Popen], list[int]]:
    processes, ports = [], []
    for index in range(count):
        port = _free_port()
        ports.append(port)
        processes.append(
            subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "bookingtjeneste.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                    "--worker-class",
                    "gthread",
                    "--threads",
                    "4",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=open(log_dir / f"web-{port}.log", "ab"),  # noqa: SIM115 (child keeps it)
            )
        )
        processes.append(celery_worker_start(f"scale{index}", env))
    return processes, ports


def _wait_until_up(ports: list[int], workers: int, log_dir: Path) -> None:
    from bookingtjeneste.celery import app

    deadline = time.monotonic() + 90
    for port in ports:
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                log = (log_dir / f"web-{port}.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"web node on port {port} did not come up:\n{log}")
            time.sleep(0.3)
    while time.monotonic() < deadline and len(app.control.ping(timeout=1) or []) < workers:
        time.sleep(0.5)


def _client(ports, tokens, service_id, candidate_starts, stop_at, tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    connections = {
        port: http.client.HTTPConnection("127.0.0.1", port, timeout=30) for port in ports
    }
    turn = seed
    kinds, weights = zip(*MIX, strict=True)

    def call(method: str, path: str, token: str, body: dict | None = None) -> tuple[int, dict]:
        nonlocal turn
        turn += 1
        port = ports[turn % len(ports)]  # round robin, as a load balancer would
        headers = {"Authorization": f"Token {token}", "Host": "127.0.0.1"}
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            try:
                connections[port].request(method, path, body=payload, headers=headers)
                response = connections[port].getresponse()
                raw = response.read()
                return response.status, (json.loads(raw) if raw else {})
            except (OSError, http.client.HTTPException):
                connections[port].close()
                connections[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    while time.monotonic() < stop_at:
        kind = rng.choices(kinds, weights)[0]
        token = rng.choice(tokens)
        try:
            if kind == "slots":
                day = date.today() + timedelta(days=rng.randint(2, 40))
                status, _ = call(
                    "GET", f"/api/v1/services/{service_id}/slots/?from={day}&to={day}", token
                )
            elif kind == "book":
                start = rng.choice(candidate_starts)
                status, body = call(
                    "POST",
                    "/api/v1/bookings/",
                    token,
                    {"service": service_id, "start": start.isoformat()},
                )
                if status == 201:
                    with tally.lock:
                        tally.booked.append((token, body["id"]))
            else:
                with tally.lock:
                    mine = [b for b in tally.booked if b[0] == token]
                    target = mine.pop() if mine else None
                    if target:
                        tally.booked.remove(target)
                if target is None:
                    continue
                status, _ = call("POST", f"/api/v1/bookings/{target[1]}/cancel/", token, {})
        except (OSError, http.client.HTTPException):
            tally.add(f"{kind}:connection_error")
            continue
        tally.add(f"{kind}:{status}")


def _overlaps() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM bookings_booking a JOIN bookings_booking b
              ON a.resource_id = b.resource_id AND a.id < b.id
             AND a.blocked_start < b.blocked_end AND b.blocked_start < a.blocked_end
             WHERE a.status IN ('pending_payment', 'confirmed')
               AND b.status IN ('pending_payment', 'confirmed')
            """
        )
        return cursor.fetchone()[0]


def _phase(nodes: int, *, env, supplier, service, resources, tokens, fake, phase: int) -> dict:
    from django.utils import timezone

    from bookingtjeneste.celery import app
    from notifications.models import Message
    from notifications.tasks import relay_outbox

    app.control.purge()
    first_message = (Message.objects.order_by("-pk").values_list("pk", flat=True).first()) or 0
    sms_before, emails_before = len(fake.sms_sent()), len(fake.emails_sent())
    log_dir = Path(tempfile.mkdtemp(prefix="bt-scaleout-"))
    processes, ports = _start_nodes(nodes, env, log_dir)
    try:
        _wait_until_up(ports, nodes, log_dir)
        due_at = timezone.now() + timedelta(seconds=PHASE_SECONDS / 2)
        reminders = _seed_reminders(supplier, service, resources, due_at=due_at, phase=phase)
        first_day = date.today() + timedelta(days=2 + phase * 13)
        candidate_starts = [
            datetime.combine(first_day + timedelta(days=d), wall_time(6), tzinfo=OSLO)
            + timedelta(minutes=SLOT_MINUTES * i)
            for d in range(12)
            for i in range(32)
        ]
        tally = Tally()
        started = time.monotonic()
        stop_at = started + PHASE_SECONDS
        threads = [
            threading.Thread(
                target=_client,
                args=(ports, tokens, service.pk, candidate_starts, stop_at, tally, phase * 100 + n),
            )
            for n in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        time.sleep(max((due_at - timezone.now()).total_seconds(), 0))
        relay_outbox()  # the beat tick that hands the due reminders to the workers
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        open_statuses = [Message.Status.QUEUED, Message.Status.SENDING]
        phase_messages = Message.objects.filter(pk__gt=first_message)
        deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
        while (
            phase_messages.filter(status__in=open_statuses)
            .exclude(due_at__gt=timezone.now())
            .exists()
            and time.monotonic() < deadline
        ):
            relay_outbox()  # beat would tick every minute; the bench does not wait that long
            time.sleep(0.5)
        drained_at = time.monotonic()
        time.sleep(2)  # a late duplicate would arrive now
    finally:
        processes_stop(processes)
    due_now = phase_messages.exclude(due_at__gt=timezone.now())
    statuses = Counter(due_now.values_list("status", flat=True))
    sms = Counter((r.data.get("To"), r.data.get("Body")) for r in fake.sms_sent()[sms_before:])
    # Brevo delivers once per idempotencyKey: distinct keys are the e-mails people receive.
    emails = {
        (r.data.get("headers") or {}).get("idempotencyKey")
        for r in fake.emails_sent()[emails_before:]
    }
    counts = tally.counts
    requests = sum(v for k, v in counts.items() if not k.endswith("connection_error"))
    server_errors = sum(v for k, v in counts.items() if k.split(":")[1].startswith("5"))
    sent = statuses.get(Message.Status.SENT, 0) + statuses.get(Message.Status.DELIVERED, 0)
    return {
        "nodes": nodes,
        "requests_per_second": round(requests / elapsed, 1),
        "bookings_per_second": round(counts["book:201"] / elapsed, 1),
        "slot_lists_per_second": round(counts["slots:200"] / elapsed, 1),
        "cancellations": counts["cancel:200"],
        "slot_taken_409": counts["book:409"],
        "server_errors": server_errors,
        "connection_errors": sum(v for k, v in counts.items() if k.endswith("connection_error")),
        "messages": sum(statuses.values()),
        "reminders_seeded": reminders,
        "messages_sent": sent,
        "messages_suppressed": statuses.get(Message.Status.SUPPRESSED, 0),
        "lost": sum(statuses.values()) - sent - statuses.get(Message.Status.SUPPRESSED, 0),
        "duplicated": sum(count - 1 for count in sms.values() if count > 1),
        # Rows marked sent that no provider accepted would be messages lost after the fact.
        "sent_not_at_provider": max(sent - len(sms) - len(emails), 0),
        "drain_seconds_after_load": round(drained_at - started - elapsed, 1),
        "counts": dict(counts),
    }


def run():
    if not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL", "").startswith(
        "postgres"
    ):
        yield {"benchmark": "scaleout", "skipped": "needs DATABASE_URL (PostgreSQL) and REDIS_URL"}
        return
    setup_django()
    from django.db import connection

    from notifications.tests.fakes import FakeProvider

    with benchmark_database(), FakeProvider() as fake:
        supplier, service, resources, tokens = _seed()
        env = {
            **os.environ,
            "DATABASE_URL": database_url(connection),
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-" + "x" * 50,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "STATIC_MANIFEST": "0",
            "CONN_MAX_AGE": "60",
            "LOG_LEVEL": "WARNING",
            # Capacity, not the abuse limits: the bench's 24 customers would hit 1200/min.
            "API_THROTTLE_USER": "1000000/min",
            "API_THROTTLE_ANON": "1000000/min",
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "TWILIO_AUTH_TOKEN": "bench-token",
            "TWILIO_MESSAGING_SERVICE_SID": "MG" + "0" * 32,
            "TWILIO_API_URL": fake.url,
            "BREVO_API_KEY": "bench-key",
            "BREVO_API_URL": fake.url,
        }
        results = []
        for phase, nodes in enumerate(NODE_COUNTS):
            result = _phase(
                nodes,
                env=env,
                supplier=supplier,
                service=service,
                resources=resources,
                tokens=tokens,
                fake=fake,
                phase=phase,
            )
            results.append(result)
        double_bookings = _overlaps()
    reference = results[0]["requests_per_second"] or 1
    for result in results:
        nodes = result["nodes"]
        yield {
            "benchmark": "scaleout",
            "nodes": nodes,
            "metric": "requests_per_second",
            "value": result["requests_per_second"],
            "ratio_to_1_node": round(result["requests_per_second"] / reference, 2),
        }
        for metric in (
            "bookings_per_second",
            "slot_lists_per_second",
            "cancellations",
            "slot_taken_409",
            "connection_errors",
            "messages",
            "reminders_seeded",
            "messages_sent",
            "messages_suppressed",
            "sent_not_at_provider",
            "drain_seconds_after_load",
        ):
            yield {
                "benchmark": "scaleout",
                "nodes": nodes,
                "metric": metric,
                "value": result[metric],
            }
        yield {
            "benchmark": "scaleout",
            "nodes": nodes,
            "metric": "server_errors",
            "value": result["server_errors"],
            "target": "0",  # a 5xx under load is a bug (a deadlock answered 503 was one)
        }
        yield {
            "benchmark": "scaleout",
            "nodes": nodes,
            "metric": "lost",
            "value": result["lost"],
            "target": "0",
        }
        yield {
            "benchmark": "scaleout",
            "nodes": nodes,
            "metric": "duplicated",
            "value": result["duplicated"],
            "target": "0",
        }
    yield {
        "benchmark": "scaleout",
        "metric": "double_bookings",
        "value": double_bookings,
        "target": "0",
    }
    yield {"benchmark": "scaleout", "metric": "cpu_cores", "value": os.cpu_count()}
