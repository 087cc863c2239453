"""Fixtures for payment tests: fake provider servers wired into settings, eager tasks.

Imported by payments/tests/conftest.py and by tests/test_payment*.py.
"""

import json
import time

import pytest
import stripe

from bookingtjeneste.celery import app as celery_app

from .factories import BookingFactory, PaymentSettingsFactory
from .fakes import MollieFake, StripeFake, VippsFake

STRIPE_WEBHOOK_SECRET = "whsec_test_secret"
VIPPS_WEBHOOK_SECRET = "vipps-webhook-secret"


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process even when REDIS_URL points the app at a real broker."""
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture
def stripe_fake(settings):
    fake = StripeFake()
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET
    settings.STRIPE_API_URL = fake.url
    yield fake
    fake.stop()


@pytest.fixture
def vipps_fake(settings):
    fake = VippsFake()
    settings.VIPPS_CLIENT_ID = "client-id"
    settings.VIPPS_CLIENT_SECRET = "client-secret"
    settings.VIPPS_SUBSCRIPTION_KEY = "subscription-key"
    settings.VIPPS_MERCHANT_SERIAL_NUMBER = "123456"
    settings.VIPPS_WEBHOOK_SECRET = VIPPS_WEBHOOK_SECRET
    settings.VIPPS_API_URL = fake.url
    yield fake
    fake.stop()


@pytest.fixture
def mollie_fake(settings):
    fake = MollieFake()
    settings.MOLLIE_API_KEY = "test_fakemolliekey"
    settings.MOLLIE_API_URL = fake.url
    yield fake
    fake.stop()


@pytest.fixture
def booking(db):
    booking = BookingFactory()
    PaymentSettingsFactory(supplier=booking.supplier)
    return booking


def stripe_event(event_id: str, event_type: str, obj: dict) -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "data": {"object": obj},
        }
    ).encode()


def stripe_headers(body: bytes, *, secret: str = STRIPE_WEBHOOK_SECRET, timestamp=None) -> dict:
    header = stripe.WebhookSignature.generate_signature_header(
        body.decode(), secret, timestamp=timestamp
    )
    return {"HTTP_STRIPE_SIGNATURE": header}
