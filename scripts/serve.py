"""`make run`'s server: Django's runserver, plus a Celery worker with beat when REDIS_URL is set.

Without REDIS_URL tasks run in-process as they are called, and beat runs the periodic jobs
(outbox relay, hold expiry) in its own process, so the embedded default behaves like production.
"""

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000")
    args = parser.parse_args()

    children: list[subprocess.Popen] = []
    if os.environ.get("REDIS_URL"):
        children.append(
            subprocess.Popen(
                [
                    str(BIN / "celery"),
                    "-A",
                    "bookingtjeneste",
                    "worker",
                    "-B",
                    "--loglevel=INFO",
                    "--concurrency=2",
                ],
                cwd=ROOT,
            )
        )
    else:
        children.append(
            subprocess.Popen(
                [
                    str(BIN / "celery"),
                    "-A",
                    "bookingtjeneste",
                    "beat",
                    "--loglevel=INFO",
                    "--scheduler",
                    "bookingtjeneste.embedded_beat:InProcessScheduler",
                    "--schedule",
                    str(ROOT / ".venv" / "celerybeat-schedule"),
                ],
                cwd=ROOT,
            )
        )
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"{args.host}:{args.port}"], cwd=ROOT
    )
    children.append(server)
    try:
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


if __name__ == "__main__":
    raise SystemExit(main())
