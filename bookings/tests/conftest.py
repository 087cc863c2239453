from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from accounts.tests.factories import StaffUserFactory, UserFactory
from bookings.availability import norwegian_public_holidays
from bookings.models import SupplierStaff

from .factories import ResourceFactory, ServiceFactory, SupplierFactory

OSLO = ZoneInfo("Europe/Oslo")


def next_weekday(weekday: int = 0, weeks: int = 1) -> date:
    """A date `weeks` weeks ahead on `weekday`, far enough for any minimum notice."""
    today = datetime.now(OSLO).date()
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=OSLO).astimezone(UTC)


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
    return UserFactory()


@pytest.fixture
def other_customer(db):
    return UserFactory()


@pytest.fixture
def monday() -> date:
    # Suppliers close on public holidays (Easter and Whit Monday are Mondays): skip them.
    day = next_weekday(0)
    while norwegian_public_holidays(day, day):
        day += timedelta(days=7)
    return day


def staff_for(supplier):
    user = StaffUserFactory()
    SupplierStaff.objects.create(user=user, supplier=supplier)
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def staff(supplier):
    return staff_for(supplier)


@pytest.fixture
def staff_client(client, world):
    """The admin client signed in as `world.staff`, for the admin test modules that build a
    `world` fixture of two suppliers (modules without one define their own staff_client)."""
    client.force_login(world.staff)
    return client


def move_url(booking) -> str:
    return reverse("admin:bookings_booking_move", args=[booking.pk])


def change_url(booking) -> str:
    return reverse("admin:bookings_booking_change", args=[booking.pk])
