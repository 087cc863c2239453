"""Publish a Celery task by its registered name, after the current transaction commits.

Services publish work without importing their app's `tasks` module (which imports the services),
so the two never import each other. Each app wraps this in a small `<app>/publish.py` whose
functions name the work ("deliver this message"); the task names are the stable interface that
beat entries and already-queued messages depend on, so they never change here.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from celery import current_app
from django.db import transaction


def _task(task_name: str):
    # Web processes import an app's tasks module only when something needs it (workers import
    # all of them at start): load the module the name points at, then look the task up.
    if task_name not in current_app.tasks:
        import_module(task_name.rpartition(".")[0])
    return current_app.tasks[task_name]  # KeyError: a misspelt name, a bug to see at once


def task_publish(task_name: str, *args: Any, countdown: float | None = None, **kwargs: Any) -> None:
    """Queue `task_name(*args, **kwargs)` once the surrounding transaction commits.

    Outside a transaction it is queued at once. Arguments are ids, never personal data. Without
    a broker (the embedded default) Celery runs the task eagerly, right after the commit.
    """
    task = _task(task_name)

    def send() -> None:
        task.apply_async(args=args, kwargs=kwargs, countdown=countdown)

    transaction.on_commit(send)


def task_publish_now(
    task_name: str, *args: Any, retry_policy: dict[str, float] | None = None
) -> None:
    """Queue `task_name(*args)` at once, for callers that already run after commit.

    An outbox relay or an on-commit hook has nothing left to wait for. `retry_policy` bounds how
    long publishing waits for an unreachable broker (Celery's `retry_policy`); the broker's
    error then reaches the caller, which decides whether it matters.
    """
    options = {"retry": True, "retry_policy": retry_policy} if retry_policy else {}
    _task(task_name).apply_async(args=args, **options)
