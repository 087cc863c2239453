"""Celery beat scheduler for the embedded default (no REDIS_URL, so no broker).

`make run` starts beat with this scheduler: each due periodic task runs right here, in the
beat process, instead of being sent to a broker that does not exist. Production uses the
stock scheduler and real workers.
"""

from typing import Any

from celery.beat import PersistentScheduler, ScheduleEntry


class InProcessScheduler(PersistentScheduler):
    def apply_async(
        self, entry: ScheduleEntry, producer: Any = None, advance: bool = True, **kwargs: Any
    ) -> Any:
        entry = self.reserve(entry) if advance else entry
        task = self.app.tasks.get(entry.task)
        if task is None:
            return None  # an app that is not installed in this build
        return task.apply(entry.args, entry.kwargs)
