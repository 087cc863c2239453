from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from twilio.request_validator import RequestValidator

from accounts.tests.factories import UserFactory
from bookings.tests.factories import ResourceFactory, ServiceFactory, SupplierFactory
from notifications.gateways import console

from .fakes import FakeProvider

OSLO = ZoneInfo("Europe/Oslo")
TWILIO_TOKEN = "test-auth-token-0123456789abcdef"


@pytest.fixture(autouse=True)
def _console_outbox():
    console.sent.clear()
    yield
    console.sent.clear()


@pytest.fixture
def fake_twilio(settings):
    with FakeProvider() as fake:
        settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
        settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
        settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "2" * 32
        settings.TWILIO_VERIFY_SERVICE_SID = "VA" + "3" * 32
        settings.TWILIO_API_URL = fake.url
        yield fake


@pytest.fixture
def fake_brevo(settings):
    with FakeProvider() as fake:
        settings.BREVO_API_KEY = "xkeysib-test"
        settings.BREVO_API_URL = fake.url + "/v3"
        settings.BREVO_WEBHOOK_TOKEN = "brevo-webhook-token-123"
        yield fake


def twilio_post(client, path: str, params: dict, *, token: str = TWILIO_TOKEN, signature=None):
    """POST a form to a Twilio webhook, signed like Twilio does (unless signature is given)."""
    from django.conf import settings

    url = settings.SITE_URL + path
    if signature is None:
        signature = RequestValidator(token).compute_signature(url, params)
    headers = {"HTTP_X_TWILIO_SIGNATURE": signature} if signature else {}
    return client.post(path, params, **headers)


def consent(user, purpose: str, granted: bool = True) -> None:
    from privacy.services import consent_set

    consent_set(subject=user, purpose=purpose, granted=granted, source="web")


@pytest.fixture
def customer(db):
    user = UserFactory(full_name="Kari Nordmann", phone="+4791234567")
    user.phone_verified_at = timezone.now()
    user.save(update_fields=["phone_verified_at"])
    return user


@pytest.fixture
def sms_customer(customer):
    consent(customer, "sms_notifications")
    return customer


def next_monday(weeks: int = 1) -> date:
    today = datetime.now(OSLO).date()
    return today + timedelta(days=(0 - today.weekday()) % 7 + 7 * weeks)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=OSLO).astimezone(UTC)


@pytest.fixture
def supplier(db):
    return SupplierFactory(
        slug="salong-nord",
        name="Salong Nord",
        address_line="Storgata 1",
        postal_code="0155",
        city="Oslo",
    )


@pytest.fixture
def service(supplier):
    resource = ResourceFactory(supplier=supplier, name="Ingrid")
    return ServiceFactory(supplier=supplier, resources=[resource], name="Dameklipp", price_ore=0)


@pytest.fixture(autouse=True)
def _eager_tasks(request):
    """Tasks run in-process in these tests, also when REDIS_URL is set (worker tests excepted)."""
    from bookingtjeneste.celery import app

    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
