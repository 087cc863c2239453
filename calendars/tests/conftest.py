from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from accounts.tests.factories import StaffUserFactory, UserFactory
from bookings.models import SupplierStaff
from bookings.tests.factories import ResourceFactory, ServiceFactory, SupplierFactory
from bookingtjeneste.celery import app as celery_app
from calendars.google import OAuthTokens
from calendars.models import CalendarConnection

from .fake_google import FakeGoogle

OSLO = ZoneInfo("Europe/Oslo")


def next_monday(weeks: int = 1) -> date:
    today = datetime.now(OSLO).date()
    return today + timedelta(days=(0 - today.weekday()) % 7 + 7 * weeks)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=OSLO).astimezone(UTC)


def staff_for(supplier):
    user = StaffUserFactory()
    SupplierStaff.objects.create(user=user, supplier=supplier)
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def fake_google(settings):
    fake = FakeGoogle().start()
    settings.GOOGLE_CALENDAR_API_URL = fake.url
    settings.GOOGLE_OAUTH_TOKEN_URL = fake.url + "/token"
    settings.GOOGLE_OAUTH_CLIENT_ID = "test-client-id.apps.googleusercontent.com"
    settings.GOOGLE_OAUTH_CLIENT_SECRET = "test-client-secret"
    yield fake
    fake.stop()


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process (also when REDIS_URL points at a real broker)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def supplier(db):
    return SupplierFactory(slug="salong-a", name="Salong A")


@pytest.fixture
def resource(supplier):
    return ResourceFactory(supplier=supplier, name="Ingrid")


@pytest.fixture
def service(supplier, resource):
    return ServiceFactory(supplier=supplier, resources=[resource], name="Dameklipp")


@pytest.fixture
def customer(db):
    return UserFactory(full_name="Kari Nordmann", email="kari.nordmann@example.com")


@pytest.fixture
def connection(resource, fake_google):
    """A Google connection made directly (as the OAuth callback would), without the sync that
    connecting queues, so tests see only the calls they cause."""
    connection = CalendarConnection(resource=resource, mode=CalendarConnection.Mode.GOOGLE)
    connection.refresh_token = "1//refresh-token-secret"
    connection.access_token = "ya29.initial-access"
    connection.access_token_expires_at = datetime.now(UTC) + timedelta(hours=1)
    connection.save()
    return connection


@pytest.fixture
def tokens() -> OAuthTokens:
    return OAuthTokens(
        access_token="ya29.from-code",
        refresh_token="1//refresh-from-code",
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
