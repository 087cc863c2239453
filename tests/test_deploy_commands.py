"""The commands docker-compose.yml and the Dockerfile run, exercised for real.

Docker itself does not run on CI machines, so each command the containers run (collectstatic
with the manifest storage, gunicorn, celery beat) is started here as a subprocess.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(DEBUG="0", SECRET_KEY="deploy-command-test-" + "k" * 40, LOG_LEVEL="WARNING")
    env.update(extra)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_collectstatic_with_manifest(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=_production_env(STATIC_MANIFEST="1", STATIC_ROOT_OVERRIDE=str(tmp_path)),
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("css/site.*.css.gz")), "hashed and compressed CSS expected"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="gunicorn needs a database it can share (PostgreSQL)"
)
@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_the_site_health_and_readiness():
    db = connection.settings_dict
    port = _free_port()
    env = _production_env(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        STATIC_MANIFEST="0",
    )
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "bookingtjeneste.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        status, body = _get(f"{base}/readyz")
        assert status == 200, body
        assert _get(f"{base}/")[0] == 200
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="celery beat needs the Redis broker")
def test_celery_beat_starts_and_stops_cleanly(tmp_path):
    beat = subprocess.Popen(
        [
            str(BIN / "celery"),
            "-A",
            "bookingtjeneste",
            "beat",
            "--loglevel=INFO",
            "--schedule",
            str(tmp_path / "schedule"),
        ],
        cwd=ROOT,
        env=_production_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    time.sleep(6)
    assert beat.poll() is None, beat.stdout.read()
    beat.send_signal(signal.SIGTERM)
    output, _ = beat.communicate(timeout=20)
    assert "beat: Starting" in output, output
