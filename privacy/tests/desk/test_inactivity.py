"""Inactive accounts: warned after 3 years without activity, erased 30 days after the warning.

Activity is a login, a booking (also one staff made by phone) or a payment; any of them
restarts the clock, and renewed inactivity starts a new warning cycle. Dates are driven through
`privacy_sweep --as-of`, as an operator would run it.
"""

import io
from datetime import date, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookings.models import Booking
from bookings.tests.factories import ResourceFactory, ServiceFactory, SupplierFactory
from notifications.models import Message
from privacy.models import SubjectFlag

from ..desk_support import _booking

pytestmark = pytest.mark.django_db

WARNING = "privacy_inactivity_warning"


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


def sweep(day: date) -> None:
    call_command("privacy_sweep", "--as-of", day.isoformat(), stdout=io.StringIO())


def exists(user) -> bool:
    return type(user).objects.filter(pk=user.pk).exists()


def warnings(user) -> int:
    return Message.objects.filter(template_key=WARNING, recipient=user).count()


@pytest.fixture
def dormant(private_media):
    """A customer last seen on 1 January 2018."""
    user = UserFactory(email="sovende.kunde@example.org")
    type(user).objects.filter(pk=user.pk).update(
        date_joined=at(date(2017, 6, 1)), last_login=at(date(2018, 1, 1))
    )
    user.refresh_from_db()
    return user


def _phone_booking(user, made_on: date) -> Booking:
    """What a phone booking leaves behind: a booking for the customer, made by staff."""
    supplier = SupplierFactory()
    resource = ResourceFactory(supplier=supplier)
    service = ServiceFactory(supplier=supplier, resources=[resource])
    start = timezone.now().replace(microsecond=0) + timedelta(days=20)
    booking = _booking(
        customer=user,
        service=service,
        resource=resource,
        start=start,
        status=Booking.Status.CONFIRMED,
        notes="",
    )
    Booking.objects.filter(pk=booking.pk).update(created_at=at(made_on))
    return booking


def _payment(user, paid_on: date) -> None:
    from payments.models import Order, Payment

    booking = _phone_booking(user, date(2016, 1, 1))  # an old booking: only the payment is new
    order = Order.objects.create(
        supplier=booking.supplier,
        booking=booking,
        booking_reference=booking.reference,
        customer=user,
        total_ore=10_000,
        vat_ore=2_000,
        due_online_ore=10_000,
        status=Order.Status.PAID,
        retain_until=date(2030, 12, 31),
    )
    payment = Payment.objects.create(
        order=order,
        provider="stripe",
        amount_ore=10_000,
        captured_ore=10_000,
        status=Payment.Status.PAID,
        retain_until=order.retain_until,
    )
    Order.objects.filter(pk=order.pk).update(created_at=at(date(2016, 1, 1)), paid_at=at(paid_on))
    Payment.objects.filter(pk=payment.pk).update(created_at=at(paid_on), paid_at=at(paid_on))


def test_warned_then_erased_after_30_days_without_activity(dormant):
    sweep(date(2021, 2, 1))
    assert warnings(dormant) == 1
    sweep(date(2021, 2, 20))
    assert exists(dormant)
    sweep(date(2021, 3, 5))
    assert not exists(dormant)


def test_a_login_after_the_warning_restarts_the_clock_and_a_new_cycle_follows(dormant):
    sweep(date(2021, 2, 1))
    assert warnings(dormant) == 1
    type(dormant).objects.filter(pk=dormant.pk).update(last_login=at(date(2021, 2, 10)))
    sweep(date(2021, 3, 15))
    assert exists(dormant)
    sweep(date(2023, 6, 1))  # inactive again, but not yet for 3 years
    assert warnings(dormant) == 1 and exists(dormant)
    sweep(date(2024, 2, 15))  # 3 years after the login: a new warning
    assert warnings(dormant) == 2
    assert SubjectFlag.objects.get(user=dormant).inactivity_warned_at.date() == date(2024, 2, 15)
    sweep(date(2024, 3, 1))
    assert exists(dormant)
    sweep(date(2024, 3, 20))  # 30 days after the second warning, no activity: erased
    assert not exists(dormant)


def test_a_phone_booking_after_the_warning_keeps_the_account_and_the_booking(dormant):
    sweep(date(2021, 2, 1))
    assert warnings(dormant) == 1
    booking = _phone_booking(dormant, date(2021, 2, 12))
    sweep(date(2021, 3, 15))
    assert exists(dormant)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED and booking.customer_id == dormant.pk


def test_a_payment_after_the_warning_keeps_the_account(dormant):
    sweep(date(2021, 2, 1))
    assert warnings(dormant) == 1
    _payment(dormant, date(2021, 2, 12))
    sweep(date(2021, 3, 15))
    assert exists(dormant)


@pytest.mark.parametrize("activity", ["login", "booking", "payment"])
def test_recent_activity_of_any_kind_means_no_warning(dormant, activity):
    if activity == "login":
        type(dormant).objects.filter(pk=dormant.pk).update(last_login=at(date(2020, 6, 1)))
    elif activity == "booking":
        _phone_booking(dormant, date(2020, 6, 1))
    else:
        _payment(dormant, date(2020, 6, 1))
    sweep(date(2021, 2, 1))
    assert warnings(dormant) == 0
    assert not SubjectFlag.objects.filter(user=dormant, inactivity_warned_at__isnull=False)
