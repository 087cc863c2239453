import pytest

from bookingtjeneste.celery import app as celery_app


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process even when REDIS_URL points at a real broker (CI)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous
