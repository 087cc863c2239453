"""A real Celery worker process, the Redis broker and PostgreSQL: nothing is lost, nothing doubled.

Needs REDIS_URL and a PostgreSQL DATABASE_URL (skipped otherwise). The worker is started with
DATABASE_URL pointing at the pytest-django test database, and the provider URLs pointing at a
fake Brevo running in this test process.
"""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookingtjeneste.celery import app
from notifications.models import Message
from notifications.services import message_enqueue
from notifications.tasks import relay_outbox

from .fakes import FakeProvider

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (Redis broker)"),
    pytest.mark.skipif(
        not settings.IS_POSTGRES, reason="the worker shares the PostgreSQL test database"
    ),
]


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    def __init__(self, fake: FakeProvider) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "CONN_MAX_AGE": "0",
            "BREVO_API_KEY": "xkeysib-worker-test",
            "BREVO_API_URL": fake.url + "/v3",
            "TWILIO_ACCOUNT_SID": "",
            "SITE_URL": settings.SITE_URL,
            "LOG_LEVEL": "WARNING",
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "bookingtjeneste",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,  # its own process group: kill -9 reaches the pool child too
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            # wait() covers the main process only; the pool child holding the provider's socket
            # may still be dying, and until it is the fake cannot see the connection close.
            _wait_for(lambda: not _live_members(self.process.pid), timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def _live_members(process_group: int) -> list[int]:
    """Processes of a group that are not yet dead (zombies have closed their sockets)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we looked
        state, group = fields[0], int(fields[2])
        if group == process_group and state not in {"Z", "X"}:
            members.append(int(stat.parent.name))
    return members


def _wait_for(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def fake():
    with FakeProvider() as provider:
        yield provider


@pytest.fixture
def worker_factory(fake):
    app.control.purge()  # nothing left over from another run in this Redis database
    workers: list[Worker] = []

    def start() -> Worker:
        worker = Worker(fake)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
    app.control.purge()


def _enqueue(user, key: str) -> Message:
    with transaction.atomic():
        return message_enqueue(
            template_key="marketing_newsletter",
            channel="email",
            idempotency_key=key,
            recipient=user,
            context={"headline": "Hei fra arbeideren"},
        )


def _status(message: Message) -> str:
    message.refresh_from_db()
    return message.status


def test_real_worker_sends_after_commit_through_redis(fake, worker_factory):
    user = UserFactory()
    worker_factory()
    message = _enqueue(user, "worker:1")
    assert _wait_for(lambda: _status(message) == Message.Status.SENT)
    [email] = fake.emails_sent()
    assert email.data["subject"] == "Hei fra arbeideren"
    assert email.data["to"][0]["email"] == user.email
    assert message.provider_message_id.startswith("<")


def test_worker_killed_mid_send_relay_delivers_exactly_once(fake, worker_factory):
    user = UserFactory()
    fake.hold.clear()  # the provider does not answer: the worker waits inside the send
    first = worker_factory()
    message = _enqueue(user, "worker:killed")
    assert fake.request_arrived.wait(60)
    assert _status(message) == Message.Status.SENDING
    first.kill()
    fake.hold.set()
    time.sleep(0.5)
    assert fake.emails_sent() == []  # the held request was never answered
    # The claim lease runs out (time travel instead of waiting two minutes).
    Message.objects.filter(pk=message.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    worker_factory()
    relay_outbox.delay()  # beat's job, through the broker
    assert _wait_for(lambda: _status(message) == Message.Status.SENT)
    time.sleep(1)  # anything else in flight would show up now
    assert len(fake.emails_sent()) == 1
    assert message.attempts == 2


def test_broker_lost_the_task_relay_delivers_exactly_once(fake, worker_factory):
    user = UserFactory()
    message = _enqueue(user, "worker:lost")  # published while no worker runs
    app.control.purge()  # Redis lost it (restart without persistence)
    Message.objects.filter(pk=message.pk).update(
        dispatched_at=timezone.now() - timedelta(minutes=5)
    )
    worker_factory()
    relay_outbox.delay()
    relay_outbox.delay()  # two relay runs at once: still one send
    assert _wait_for(lambda: _status(message) == Message.Status.SENT)
    time.sleep(1)
    assert len(fake.emails_sent()) == 1
    assert message.attempts == 1
