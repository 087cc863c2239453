"""The work privacy's services hand to its tasks, queued by task name after commit.

Services import this module, never `tasks`/`desk_tasks` (which import the services). The names
are the tasks' registered names, which beat entries and queued messages depend on.
"""

from bookingtjeneste.task_publish import task_publish


def policy_change_announce(version_id: int) -> None:
    """E-mail every active user about a material policy change, in resumable batches."""
    task_publish("privacy.tasks.policy_change_notify", version_id)


def request_carry_out(request_id: int) -> None:
    """Carry out an approved privacy request (export, erasure, restriction, objection)."""
    task_publish("privacy.tasks.privacy_request_process", request_id)


def processor_erasure_send(propagation_id: int) -> None:
    """Tell one processor to forget a subject (retried with backoff)."""
    task_publish("privacy.tasks.processor_erasure_run", propagation_id)
