"""DATABASE_POOL_MODE=transaction: what PgBouncer's transaction pooling needs (docs/SCALING.md)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import django
django.setup()
from django.db import connection
from accounts.models import User
list(User.objects.all().iterator(chunk_size=10))  # would open a named cursor if allowed
settings = connection.settings_dict
print(settings.get("DISABLE_SERVER_SIDE_CURSORS", False), connection.connection.prepare_threshold)
"""


def _probe(pool_mode: str) -> str:
    # The test database: the one DATABASE_URL names need not exist (CI creates only test_*).
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bookingtjeneste.settings",
        "DATABASE_URL": f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "DATABASE_POOL_MODE": pool_mode,
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


@pytest.mark.django_db
def test_transaction_pool_mode_turns_off_server_side_cursors():
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    # No prepared statements in either mode (Django binds client-side), no named cursors
    # when a pooler hands the server connection to someone else after each transaction.
    assert _probe("transaction") == "True None"
    assert _probe("session") == "False None"
