"""The only door through which consent ledger rows may be deleted: the retention window.

On PostgreSQL a trigger (migration 0004) raises on UPDATE/DELETE of `privacy_consentevent` unless
the transaction has set `privacy.ledger_retention = 'on'` (SET LOCAL, so it ends with the
transaction). The Python side keeps the same rule on every database via a context variable.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection, transaction

from .models.consent import LEDGER_RETENTION_SETTING

_window_open: ContextVar[bool] = ContextVar("privacy_ledger_retention_window", default=False)


def retention_window_open() -> bool:
    return _window_open.get()


@contextmanager
def ledger_retention_window() -> Iterator[None]:
    """Allow deletions from the ledger for the duration of one transaction.

    Precondition: only retention rules call this (contact purge, anonymous consent expiry,
    Privacy II erasure). It opens its own atomic block so SET LOCAL cannot outlive it.
    """
    token = _window_open.set(True)
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config(%s, 'on', true)", [LEDGER_RETENTION_SETTING])
            yield
    finally:
        _window_open.reset(token)
