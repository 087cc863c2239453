"""Shared set-up for benchmarks: a fresh, migrated database of their own.

With DATABASE_URL set, benchmarks run on PostgreSQL in a database named `<name>_bench` that is
created for the run and dropped afterwards; without it, on a temporary SQLite file.
"""

import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    import django

    if not os.environ.get("DATABASE_URL"):
        path = os.path.join(tempfile.mkdtemp(prefix="bt-bench-"), "bench.sqlite3")
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("STATIC_MANIFEST", "0")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    django.setup()


@contextlib.contextmanager
def benchmark_database() -> Iterator[None]:
    """Create and migrate a throwaway test database; destroy it afterwards."""
    setup_django()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def database_url(connection) -> str:
    """The URL of `connection`'s (throwaway) database, for worker and web processes started
    beside the benchmark."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def celery_worker_start(
    name: str, env: dict, *, loglevel: str = "WARNING", stderr=subprocess.DEVNULL
) -> subprocess.Popen:
    """One Celery worker process (prefork, concurrency 1) in its own process group, as a
    separate machine's worker would be (a SIGKILL to the group reaches the pool child too);
    `processes_stop` ends it."""
    return subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "bookingtjeneste", "worker",
            "--pool=prefork", "--concurrency=1", "-n", f"{name}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat", f"--loglevel={loglevel}",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )  # fmt: skip


def processes_stop(processes: list[subprocess.Popen]) -> None:
    """SIGTERM each process group (a warm shutdown), SIGKILL what is still there after 20 s."""
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def timed_ms(function: Callable[[], object], *, repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def salon_create(
    *,
    slug: str,
    name: str = "Bench",
    resources: int = 1,
    weekly: dict[int, tuple] | None = None,
    service_fields: dict | None = None,
    **supplier_fields,
):
    """A supplier with `resources` staff members, one 30-minute service they all perform
    (bookable from now to 120 days ahead unless `service_fields` say otherwise), and the same
    hours for each of them: {weekday: (opens, closes)}. Returns (supplier, resources, service).
    """
    from bookings.models import OpeningHours, Resource, Service, Supplier

    supplier = Supplier.objects.create(name=name, slug=slug, **supplier_fields)
    staff = Resource.objects.bulk_create(
        Resource(supplier=supplier, name=f"Stol {n}") for n in range(resources)
    )
    service = Service.objects.create(
        supplier=supplier,
        name="Klipp",
        **{
            "duration_minutes": 30,
            "slot_interval_minutes": 30,
            "minimum_notice_minutes": 0,
            "booking_horizon_days": 120,
            "price_ore": 0,
            **(service_fields or {}),
        },
    )
    service.resources.set(staff)
    OpeningHours.objects.bulk_create(
        OpeningHours(resource=resource, weekday=day, start_time=opens, end_time=closes)
        for resource in staff
        for day, (opens, closes) in (weekly or {}).items()
    )
    return supplier, staff, service
