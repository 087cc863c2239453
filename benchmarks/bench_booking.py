"""Booking POST throughput against an empty token-authenticated DRF POST, in the same run.

Both go through the full middleware + DRF stack (in-process test client, no network) with the
same token authentication. A booking is a typical one: a service with a free slot, a customer
with SMS consent, so the confirmation and the 24 h and 2 h reminders are written as e-mail and
SMS (6 outbox rows). Celery publishes to an in-memory broker, as a web node hands tasks to
Redis: the sending itself is a worker's job, not the request's.
Figures: bookings/s, empty POSTs/s, their ratio (goal >= 1/3), CPU ms per booking and SQL
statements per booking (goal <= 12).
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.support import benchmark_database, salon_create

BOOKINGS = 120  # under the per-user API throttle (1200/min) with room to spare
EMPTY_POSTS = 400
PROFILED_BOOKINGS = 60
RESOURCES = 4
SLOT_MINUTES = 30


def _setup():
    from zoneinfo import ZoneInfo

    from django.core.cache import cache

    from accounts.models import User
    from accounts.services import api_token_issue
    from privacy.services import consent_set

    _supplier, _resources, service = salon_create(
        slug="bench-booking",
        resources=RESOURCES,
        weekly={day: (wall_time(8), wall_time(20)) for day in range(7)},
    )
    customer = User.objects.create_user(email="bench-customer@example.com", password=None)
    customer.full_name = "Kari Bench"
    customer.phone = "+4791234567"
    customer.phone_verified_at = datetime.now(ZoneInfo("UTC"))
    customer.save()
    consent_set(subject=customer, purpose="sms_notifications", granted=True, source="web")
    other = User.objects.create_user(email="bench-empty@example.com", password=None)
    # A throwaway database reuses user ids, the (Redis) cache does not forget: start both
    # users' API throttle history empty, or an earlier run's requests count against this one.
    cache.delete_many([f"throttle_user_{user.pk}" for user in (customer, other)])
    # Starts from 2 days ahead (both reminders in the future), each slot once per resource.
    tz = ZoneInfo("Europe/Oslo")
    first = date.today() + timedelta(days=2)
    starts = [
        datetime.combine(first + timedelta(days=day), wall_time(8), tzinfo=tz)
        + timedelta(minutes=SLOT_MINUTES * index)
        for day in range(30)
        for index in range(24)
    ]
    return service, starts, api_token_issue(user=customer), api_token_issue(user=other)


def _measure(post, count: int) -> tuple[float, float]:
    """(requests per second by wall clock, CPU ms per request) over `count` calls."""
    wall, cpu = time.perf_counter(), time.process_time()
    for index in range(count):
        post(index)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return count / wall, cpu * 1000 / count


def _profile(post, count: int) -> None:
    """BENCH_PROFILE=1: where a request's CPU goes (cProfile, to stderr; not timed)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(lambda: [post(index) for index in range(count)])
    stats = pstats.Stats(profiler, stream=sys.stderr)
    stats.sort_stats(os.environ.get("BENCH_PROFILE_SORT", "cumulative"))
    stats.print_stats(int(os.environ.get("BENCH_PROFILE_LINES", "60")))


def settings_saved():
    """What setup_test_environment() replaced (Django keeps the originals there)."""
    from django.test import utils

    return utils._TestState.saved_data


def _statements(connection, request) -> list[str]:
    """The SQL statements one request sends (CaptureQueriesContext loses them: Django resets
    the query log at every request start)."""
    sent: list[str] = []

    def count(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        request(0)
    return sent


def measure() -> dict:
    from celery import current_app
    from django.db import connection
    from django.template import Template
    from django.test import override_settings
    from rest_framework.test import APIClient

    from notifications.models import Message

    service, starts, customer_token, other_token = _setup()
    booker, empty = APIClient(), APIClient()
    booker.credentials(HTTP_AUTHORIZATION=f"Token {customer_token}")
    empty.credentials(HTTP_AUTHORIZATION=f"Token {other_token}")
    slots = iter(starts)

    def book(_index: int) -> None:
        response = booker.post(
            "/api/v1/bookings/",
            {"service": service.pk, "start": next(slots).isoformat()},
            format="json",
        )
        assert response.status_code == 201, response.content[:300]

    def post_empty(_index: int) -> None:
        response = empty.post("/bench/empty/", {}, format="json")
        assert response.status_code == 201, response.content[:300]

    conf = current_app.conf
    previous = conf.task_always_eager, conf.broker_url
    conf.task_always_eager, conf.broker_url = False, "memory://"
    # The test environment wraps every template render in a signal for assertions; a server
    # does not, and a booking renders a dozen message templates.
    instrumented = Template._render
    Template._render = getattr(settings_saved(), "template_render", instrumented)
    try:
        with override_settings(ROOT_URLCONF="benchmarks.bench_urls"):
            for index in range(5):  # warm-up: templates, content types, URL resolvers
                book(index)
                post_empty(index)
            queries, empty_queries = (
                _statements(connection, book),
                _statements(connection, post_empty),
            )
            if os.environ.get("BENCH_SHOW_SQL"):  # BENCH_SHOW_SQL=1: a booking's statements
                print("\n".join(sql[:300] for sql in queries), file=sys.stderr)
            booking_rate, booking_cpu = _measure(book, BOOKINGS)
            empty_rate, empty_cpu = _measure(post_empty, EMPTY_POSTS)
            if os.environ.get("BENCH_PROFILE"):
                _profile(book, PROFILED_BOOKINGS)
    finally:
        conf.task_always_eager, conf.broker_url = previous
        Template._render = instrumented
    rows = Message.objects.count()
    profiled = PROFILED_BOOKINGS if os.environ.get("BENCH_PROFILE") else 0
    assert rows == 6 * (BOOKINGS + 6 + profiled), rows  # every booking wrote its six outbox rows
    return {
        "booking_rate": round(booking_rate, 1),
        "empty_rate": round(empty_rate, 1),
        "booking_cpu_ms": round(booking_cpu, 2),
        "empty_cpu_ms": round(empty_cpu, 2),
        "statements": len(queries),
        "empty_statements": len(empty_queries),
    }


def run():
    with benchmark_database():
        figures = measure()
    setup = f"{BOOKINGS} bookings (6 outbox rows each) vs {EMPTY_POSTS} empty token-auth POSTs"
    ratio = figures["booking_rate"] / figures["empty_rate"]
    yield {
        "benchmark": "booking_post",
        "metric": "bookings_per_s",
        "value": figures["booking_rate"],
        "setup": setup,
    }
    yield {
        "benchmark": "booking_post",
        "metric": "empty_drf_post_per_s",
        "value": figures["empty_rate"],
        "setup": setup,
    }
    yield {
        "benchmark": "booking_post",
        "metric": "throughput_ratio_vs_empty_post",
        "value": round(ratio, 3),
        "target": ">= 0.333",
        "ok": ratio >= 1 / 3,
    }
    yield {
        "benchmark": "booking_post",
        "metric": "cpu_ms_per_request",
        "value": figures["booking_cpu_ms"],
        "reference": figures["empty_cpu_ms"],
        "ratio": round(figures["booking_cpu_ms"] / figures["empty_cpu_ms"], 2),
    }
    yield {
        "benchmark": "booking_post",
        "metric": "sql_statements_per_booking",
        "value": figures["statements"],
        "reference": figures["empty_statements"],
        "target": "<= 12",
        "ok": figures["statements"] <= 12,
    }


if __name__ == "__main__":
    import json

    for figure in run():
        print(json.dumps(figure, ensure_ascii=False))
