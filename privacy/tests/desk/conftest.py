import pytest

from bookingtjeneste.celery import app as celery_app


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process (also when REDIS_URL points at a real broker)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def processors_fake(settings):
    from .fakes import ProcessorsFake

    fake = ProcessorsFake()
    settings.BREVO_API_KEY = "xkeysib-test"
    settings.BREVO_API_URL = fake.url + "/v3"
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_API_URL = fake.url
    settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
    settings.TWILIO_AUTH_TOKEN = "test-auth-token-0123456789abcdef"
    settings.TWILIO_API_URL = fake.url
    yield fake
    fake.stop()


@pytest.fixture
def dpo_client(client):
    """A logged-in DPO with TOTP set up, so the admin lets them through."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts import roles
    from accounts.tests.factories import UserFactory

    dpo = UserFactory(is_staff=True, role=roles.DPO)
    TOTP.activate(dpo, generate_totp_secret())
    client.force_login(dpo)
    return client
