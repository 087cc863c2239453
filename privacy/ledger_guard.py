"""The only door through which consent ledger rows are deleted: a retention rule.

On PostgreSQL a trigger refuses UPDATE and DELETE of `privacy_consentevent` to every role but
`privacy_ledger_keeper`, a NOLOGIN role nobody can become; the one thing that runs as it is
`privacy_consent_ledger_purge(rule, ids, cutoff)` (SECURITY DEFINER, migration 0014), which
deletes only those of the given rows the named rule covers. So the application's role can ask
for a retention rule to be applied, but has no switch (no session variable, no SET ROLE, no
trigger it may disable) to delete a consent record any other way. EXECUTE is granted to the
group role `privacy_retention` (docs/RETENTION.md, "Database roles").

On other databases (SQLite in development) the same rule holds in Python only: the ledger's
queryset refuses delete() unless called from `ledger_purge`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.db import connection, transaction
from django.db.models import QuerySet

# Rule keys the database function knows; it raises on any other.
LEDGER_RULES = frozenset({"anonymous_consents", "consents_of_erased"})
# Ids per call: one array parameter per statement, bounded in size.
_PURGE_BATCH = 10_000

_window_open: ContextVar[bool] = ContextVar("privacy_ledger_retention_window", default=False)


def retention_window_open() -> bool:
    return _window_open.get()


@contextmanager
def _python_window() -> Iterator[None]:
    token = _window_open.set(True)
    try:
        yield
    finally:
        _window_open.reset(token)


def ledger_purge(*, rule: str, queryset: QuerySet, cutoff: datetime) -> int:
    """Delete the consent events in `queryset` that retention rule `rule` covers at `cutoff`.

    `queryset` is the rule's own selection (privacy/retention.py); on PostgreSQL the database
    re-checks every row against the rule and leaves any it does not cover. Returns the number
    of rows deleted. Joins the caller's transaction.
    """
    if rule not in LEDGER_RULES:
        raise ValueError(f"no ledger retention rule {rule!r}")
    with transaction.atomic():
        if connection.vendor != "postgresql":
            with _python_window():
                deleted, _ = queryset.delete()
            return deleted
        ids = list(queryset.order_by("pk").values_list("pk", flat=True))
        deleted = 0
        with connection.cursor() as cursor:
            for start in range(0, len(ids), _PURGE_BATCH):
                cursor.execute(
                    "SELECT privacy_consent_ledger_purge(%s, %s::bigint[], %s)",
                    [rule, ids[start : start + _PURGE_BATCH], cutoff],
                )
                deleted += cursor.fetchone()[0]
        return deleted
