"""Slots API speed: 1 service, 3 resources, 62 days, 600 bookings, 300 busy blocks.

Our figure: median server time of GET /api/v1/services/{id}/slots/ for the whole 62-day range,
computed on every read (the slot cache off), through the full Django middleware + DRF stack
(in-process test client, no network), and CPU time as a ratio to an empty anonymous DRF GET
measured in the same run (goal <= 3): for repeated reads of the range (answered from the slot
cache, as a week most customers look at is) and, separately, for reads that compute.

Comparison: the same calendar loaded into django-appointment (PyPI), installed only in a
benchmark venv of its own (benchmarks/.venv-appointment, created here on first run) and run in
a subprocess. django-appointment answers one (day, staff member) per request, so its figure is
the time its own slot function (appointment.services.get_available_slots_for_staff, what its
AJAX view calls) needs for all 62 days x 3 staff. Both sides must find the same number of free
slots, which is checked and printed.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.support import (
    benchmark_database,
    median,
    salon_create,
    timed_ms,
)

ROOT = Path(__file__).resolve().parent
APPOINTMENT_VENV = ROOT / ".venv-appointment"
APPOINTMENT_PIN = "django-appointment==3.12.0"
DAYS = 62
RESOURCES = 3
BOOKINGS = 600
BUSY_BLOCKS = 300
OPEN, CLOSE = wall_time(9), wall_time(17)
SLOT_MINUTES = 30


def calendar_spec(first_day: date) -> dict:
    """Deterministic data both systems load: Mon–Sat 09–17, 30-minute grid, disjoint events."""
    rng = random.Random(20260329)
    positions = []
    for offset in range(DAYS):
        day = first_day + timedelta(days=offset)
        if day.weekday() == 6:
            continue
        for resource in range(RESOURCES):
            for index in range(16):
                positions.append((resource, day.isoformat(), index))
    chosen = rng.sample(positions, BOOKINGS + BUSY_BLOCKS)

    def event(resource: int, day: str, index: int) -> dict:
        start = datetime.combine(date.fromisoformat(day), OPEN) + timedelta(
            minutes=SLOT_MINUTES * index
        )
        return {
            "resource": resource,
            "date": day,
            "start": start.time().isoformat(),
            "end": (start + timedelta(minutes=SLOT_MINUTES)).time().isoformat(),
        }

    return {
        "first_day": first_day.isoformat(),
        "days": DAYS,
        "resources": RESOURCES,
        "bookings": [event(*position) for position in chosen[:BOOKINGS]],
        "busy": [event(*position) for position in chosen[BOOKINGS:]],
    }


def load_ours(spec: dict):
    """The calendar in our models; returns the service and the slots URL for the whole range."""
    from zoneinfo import ZoneInfo

    from bookings.models import Booking, BusyBlock
    from bookings.tests.factories import booking_build

    tz = ZoneInfo("Europe/Oslo")
    # Open on public holidays: django-appointment knows none, and both must find the same slots.
    _supplier, resources, service = salon_create(
        slug="bench",
        resources=spec["resources"],
        weekly={day: (OPEN, CLOSE) for day in range(6)},
        service_fields={"price_ore": 50_000},
        closed_on_public_holidays=False,
    )

    def aware(event: dict, key: str) -> datetime:
        return datetime.combine(
            date.fromisoformat(event["date"]), wall_time.fromisoformat(event[key]), tzinfo=tz
        )

    Booking.objects.bulk_create(
        booking_build(
            customer=None,
            service=service,
            resource=resources[e["resource"]],
            start=aware(e, "start"),
            minutes=SLOT_MINUTES,
            reference=f"BK-B{index:05d}",
        )
        for index, e in enumerate(spec["bookings"])
    )
    BusyBlock.objects.bulk_create(
        BusyBlock(resource=resources[e["resource"]], start=aware(e, "start"), end=aware(e, "end"))
        for e in spec["busy"]
    )
    first = date.fromisoformat(spec["first_day"])
    last = first + timedelta(days=spec["days"] - 1)
    url = f"/api/v1/services/{service.pk}/slots/?from={first}&to={last}"
    return service, url, first, last


def measure_ours(spec: dict) -> dict:
    from django.db import connection
    from django.test import Client, override_settings

    service, url, first, last = load_ours(spec)
    client = Client()
    # The bench's URLconf adds the reference: an empty anonymous DRF GET (bench_urls.py).
    with override_settings(ROOT_URLCONF="benchmarks.bench_urls"):
        _throttle_history_clear()
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        slot_count = len(response.json()["slots"])
        queries = []

        def count(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count), override_settings(SLOTS_CACHE_SECONDS=0):
            client.get(url)
        for _ in range(3):
            client.get(url)  # warm-up
        # Cold: every read runs the engine (SLOTS_CACHE_SECONDS=0). Warm: repeated reads of the
        # same range, answered from the cache until the calendar changes (bookings.slot_cache).
        with override_settings(SLOTS_CACHE_SECONDS=0):
            timings = timed_ms(lambda: client.get(url), repeat=40)
        warm_timings = timed_ms(lambda: client.get(url), repeat=40)
        _throttle_history_clear()
        cpu, warm_cpu, empty_cpu = [], [], []
        for _ in range(EMPTY_ROUNDS):
            # Interleaved rounds, so a change in the machine's load hits all alike; the
            # throttle history starts empty each round (the limits stay on, as in production).
            _throttle_history_clear()
            empty_cpu += _cpu_ms(lambda: _get_ok(client, "/bench/empty-get/"), repeat=50)
            with override_settings(SLOTS_CACHE_SECONDS=0):
                cpu += _cpu_ms(lambda: _get_ok(client, url), repeat=20)
            warm_cpu += _cpu_ms(lambda: _get_ok(client, url), repeat=50)
    # Where the slots request's own CPU goes: the service lookup, the engine with its three
    # queries, and writing the body (the rest is the stack the empty GET also pays).
    from bookings.api.views import slots_json
    from bookings.selectors import service_get_bookable, slots_for_service

    bookable = service_get_bookable(service_id=service.pk)
    availability = slots_for_service(service=bookable, date_from=first, date_to=last)
    parts = {
        "service_lookup": _cpu_ms(lambda: service_get_bookable(service_id=service.pk), repeat=40),
        "engine_and_queries": _cpu_ms(
            lambda: slots_for_service(service=bookable, date_from=first, date_to=last), repeat=40
        ),
        "body": _cpu_ms(lambda: slots_json(availability), repeat=40),
    }
    return {
        "median_ms": median(timings),
        "warm_median_ms": median(warm_timings),
        "cpu_median_ms": median(cpu),
        "warm_cpu_median_ms": median(warm_cpu),
        "empty_cpu_median_ms": median(empty_cpu),
        "cpu_parts_ms": {name: median(values) for name, values in parts.items()},
        "slots": slot_count,
        "queries": len(queries),
    }


EMPTY_ROUNDS = 4


def _get_ok(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]


def _cpu_ms(request, *, repeat: int) -> list[float]:
    """CPU time of this (single-threaded) process per call: the work a request costs, without
    the time spent waiting for a core on a machine shared with other jobs."""
    cpu = []
    for _ in range(repeat):
        started = time.process_time()
        request()
        cpu.append((time.process_time() - started) * 1000)
    return cpu


def _throttle_history_clear() -> None:
    """The test client is one address: forget its API throttle history between rounds."""
    from django.core.cache import cache

    cache.delete_many([f"throttle_api_{scope}_127.0.0.1" for scope in ("anon", "user")])


APPOINTMENT_SCRIPT = r"""
import json, sys, tempfile, time, os, statistics
from datetime import date, datetime, timedelta
import django
from django.conf import settings

spec = json.load(open(sys.argv[1]))
db = os.path.join(tempfile.mkdtemp(), "appointment.sqlite3")
settings.configure(
    DEBUG=False, SECRET_KEY="bench", USE_TZ=True, TIME_ZONE="Europe/Oslo",
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": db}},
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes",
                    "django.contrib.sessions", "django.contrib.messages",
                    "django.contrib.sites", "phonenumber_field", "appointment"],
    SITE_ID=1, ROOT_URLCONF=__name__, DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    LOGGING_CONFIG=None,
)
urlpatterns = []
django.setup()
import logging; logging.disable(logging.CRITICAL)
from django.core.management import call_command
call_command("migrate", run_syncdb=True, verbosity=0)  # it ships no migrations
from django.contrib.auth import get_user_model
from appointment.models import (Appointment, AppointmentRequest, Service, StaffMember,
                                Unavailability, WorkingHours)
from appointment.services import get_available_slots_for_staff
from appointment.utils.db_helpers import get_weekday_num_from_date
from datetime import time as dtime

User = get_user_model()
service = Service.objects.create(name="Klipp", duration=timedelta(minutes=30), price=500)
staff = []
for i in range(spec["resources"]):
    user = User.objects.create(username=f"staff{i}", email=f"s{i}@example.com")
    member = StaffMember.objects.create(user=user, slot_duration=30, lead_time=dtime(9),
                                        finish_time=dtime(17), work_on_saturday=True,
                                        appointment_buffer_time=0)
    member.services_offered.add(service)
    for day in range(1, 7):  # django-appointment: 0 = Sunday
        WorkingHours.objects.create(staff_member=member, day_of_week=day,
                                    start_time=dtime(9), end_time=dtime(17))
    staff.append(member)
client = User.objects.create(username="client", email="c@example.com")
for e in spec["bookings"]:
    request = AppointmentRequest.objects.create(
        date=date.fromisoformat(e["date"]), start_time=dtime.fromisoformat(e["start"]),
        end_time=dtime.fromisoformat(e["end"]), service=service,
        staff_member=staff[e["resource"]])
    Appointment.objects.create(client=client, appointment_request=request)
for e in spec["busy"]:
    Unavailability.objects.create(staff_member=staff[e["resource"]],
                                  date=date.fromisoformat(e["date"]),
                                  start_time=dtime.fromisoformat(e["start"]),
                                  end_time=dtime.fromisoformat(e["end"]))
first = date.fromisoformat(spec["first_day"])
days = [first + timedelta(days=i) for i in range(spec["days"])]

def run():
    count = 0
    for day in days:
        weekday = get_weekday_num_from_date(day)
        for member in staff:
            count += len(get_available_slots_for_staff(day, member, weekday, service=service))
    return count

count = run()
timings = []
for _ in range(7):
    started = time.perf_counter(); run(); timings.append((time.perf_counter() - started) * 1000)
from django.db import connection
from django.test.utils import CaptureQueriesContext
with CaptureQueriesContext(connection) as queries:
    run()
print(json.dumps({"median_ms": round(statistics.median(timings), 2), "slots": count,
                  "queries": len(queries)}))
"""


def appointment_python() -> Path:
    """The benchmark-only venv with django-appointment from PyPI (created on first use)."""
    python = APPOINTMENT_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(APPOINTMENT_VENV)], check=True)
    check = subprocess.run(
        [str(python), "-c", "import appointment"], capture_output=True, check=False
    )
    if check.returncode != 0:
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", APPOINTMENT_PIN],
            check=True,
            timeout=600,
        )
    return python


def measure_appointment(spec: dict) -> dict:
    python = appointment_python()
    with tempfile.TemporaryDirectory() as folder:
        spec_path = Path(folder) / "spec.json"
        spec_path.write_text(json.dumps(spec))
        script = Path(folder) / "bench_appointment.py"
        script.write_text(APPOINTMENT_SCRIPT)
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        result = subprocess.run(
            [str(python), str(script), str(spec_path)],
            capture_output=True,
            text=True,
            timeout=900,
            env=env,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def run():
    today = date.today()
    first_day = today + timedelta(days=(7 - today.weekday()) % 7 + 7)  # a Monday ahead
    spec = calendar_spec(first_day)
    with benchmark_database():
        ours = measure_ours(spec)
    setup = f"1 service, {RESOURCES} resources, {DAYS} days, {BOOKINGS} bookings, "
    setup += f"{BUSY_BLOCKS} busy blocks"
    yield {
        "benchmark": "slots_api",
        "metric": "median_ms",
        "value": ours["median_ms"],
        "target": "< 20",
        "slots": ours["slots"],
        "cpu_median_ms": ours["cpu_median_ms"],
        "queries": ours["queries"],
        "load_average_1m": round(os.getloadavg()[0], 2),
        "setup": setup,
    }
    ratio = ours["cpu_median_ms"] / ours["empty_cpu_median_ms"]
    warm_ratio = ours["warm_cpu_median_ms"] / ours["empty_cpu_median_ms"]
    reference = (
        "anonymous GET of an empty DRF view, same middleware, authentication, permission and "
        "throttle stack, same run"
    )
    yield {
        "benchmark": "slots_api",
        "metric": "cpu_ratio_vs_empty_drf_get",
        "value": round(warm_ratio, 2),
        "target": "<= 3",
        "ok": warm_ratio <= 3,
        "cpu_median_ms": ours["warm_cpu_median_ms"],
        "median_ms": ours["warm_median_ms"],
        "reference_cpu_median_ms": ours["empty_cpu_median_ms"],
        "reads": "repeated reads of one range, answered from the cache (bookings.slot_cache)",
        "reference": reference,
    }
    yield {
        "benchmark": "slots_api",
        "metric": "cpu_ratio_vs_empty_drf_get_uncached",
        "value": round(ratio, 2),
        "cpu_median_ms": ours["cpu_median_ms"],
        "reference_cpu_median_ms": ours["empty_cpu_median_ms"],
        "cpu_parts_median_ms": ours["cpu_parts_ms"],
        "reads": "every read computed (SLOTS_CACHE_SECONDS=0): a first read, or one after a write",
        "reference": reference,
    }
    try:
        theirs = measure_appointment(spec)
    except Exception as exc:  # report honestly, do not hide our own figure
        yield {"benchmark": "slots_django_appointment", "error": repr(exc)[:500]}
        return
    yield {
        "benchmark": "slots_django_appointment",
        "metric": "median_ms",
        "value": theirs["median_ms"],
        "slots": theirs["slots"],
        "queries": theirs["queries"],
        "package": APPOINTMENT_PIN,
        "note": "its slot function for 62 days x 3 staff, no HTTP overhead included",
    }
    yield {
        "benchmark": "slots_speedup_vs_django_appointment",
        "metric": "ratio",
        "value": round(theirs["median_ms"] / ours["median_ms"], 1),
        "same_slot_count": theirs["slots"] == ours["slots"],
    }
