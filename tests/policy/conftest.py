"""Each module here is one section of the published privacy policy (/work/shared/privacy-policy
.txt); each test is one promise, quoted in its docstring, checked against the running code."""

import pytest

from accounts.tests.factories import UserFactory
from bookingtjeneste.celery import app as celery_app


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def tags(settings):
    settings.GOOGLE_ANALYTICS_ID = "G-POLICY"
    settings.GOOGLE_ADS_ID = "AW-POLICY"
    settings.META_PIXEL_ID = "1234"
    return settings


@pytest.fixture(autouse=True)
def eager_tasks():
    """Run Celery tasks in-process even when REDIS_URL points at a real broker (CI)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous
