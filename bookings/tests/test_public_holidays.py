"""Norwegian public holidays close a supplier for every year, computed by the `holidays` library."""

from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.availability import norwegian_public_holidays
from bookings.exceptions import InvalidBooking
from bookings.models import DateException
from bookings.selectors import slots_for_service
from bookings.services import booking_create

from .conftest import at
from .factories import ResourceFactory, ServiceFactory, SupplierFactory

pytestmark = pytest.mark.django_db

# 17 May (Constitution Day) and Easter Monday in two years nobody typed a list for.
HOLIDAYS = [date(2027, 5, 17), date(2027, 3, 29), date(2031, 5, 17), date(2031, 4, 14)]


def _service(**supplier_fields):
    # The factory's resource is open 09–17 every day of the week, Saturdays included.
    supplier = SupplierFactory(**{"closed_on_public_holidays": True, **supplier_fields})
    return ServiceFactory(supplier=supplier, booking_horizon_days=365)


def _slot_days(service, day: date, *, span: int = 1) -> set[date]:
    now = at(day - timedelta(days=7), 12)
    availability = slots_for_service(
        service=service,
        date_from=day - timedelta(days=span),
        date_to=day + timedelta(days=span),
        now=now,
    )
    return {slot.start.astimezone(availability.time_zone).date() for slot in availability.slots}


@pytest.mark.parametrize("holiday", HOLIDAYS, ids=str)
def test_public_holiday_has_no_slots_but_its_neighbours_do(holiday):
    days = _slot_days(_service(), holiday)
    assert holiday not in days
    # Every neighbour that is not a holiday itself stays open (the factory opens all week).
    for neighbour in (holiday - timedelta(days=1), holiday + timedelta(days=1)):
        if not norwegian_public_holidays(neighbour, neighbour):
            assert neighbour in days


@pytest.mark.parametrize("holiday", HOLIDAYS, ids=str)
def test_supplier_that_opts_out_keeps_its_hours_on_public_holidays(holiday):
    days = _slot_days(_service(closed_on_public_holidays=False), holiday)
    assert holiday in days


def test_booking_on_a_public_holiday_is_refused(customer):
    # Same rule server-side as in the slot list: the booking service refuses the day.
    service = _service()
    today = date.today()
    holiday = date(today.year + (today >= date(today.year, 5, 10)), 5, 17)  # the next 17 May
    with pytest.raises(InvalidBooking) as refused:
        booking_create(customer=customer, service=service, start=at(holiday, 10))
    assert refused.value.code == "outside_opening_hours"


def test_explicit_opening_on_a_holiday_wins_over_the_holiday():
    service = _service()
    holiday = date(2027, 3, 29)
    DateException.objects.create(
        supplier=service.supplier,
        resource=None,
        date=holiday,
        is_closed=False,
        start_time=time(10),
        end_time=time(14),
        reason="Åpent 2. påskedag",
    )
    assert holiday in _slot_days(service, holiday)


def test_one_staff_member_working_on_a_holiday_does_not_open_the_others():
    service = _service()
    worker, resting = service.resources.get(), ResourceFactory(supplier=service.supplier)
    service.resources.add(resting)
    holiday = date(2031, 5, 17)
    DateException.objects.create(
        supplier=service.supplier,
        resource=worker,
        date=holiday,
        is_closed=False,
        start_time=time(10),
        end_time=time(14),
        reason="Vakt",
    )
    now = at(holiday - timedelta(days=7), 12)
    availability = slots_for_service(service=service, date_from=holiday, date_to=holiday, now=now)
    assert {slot.resource_id for slot in availability.slots} == {worker.pk}


def test_holidays_cost_no_queries(django_assert_max_num_queries):
    # A year across two calendar years (and their holidays) costs what a plain week costs.
    service = _service()
    week_from = date(2027, 6, 7)
    now = at(week_from - timedelta(days=1), 12)
    with CaptureQueriesContext(connection) as week:
        slots_for_service(service=service, date_from=week_from, date_to=week_from, now=now)
    with django_assert_max_num_queries(len(week)):
        availability = slots_for_service(
            service=service, date_from=week_from, date_to=week_from + timedelta(days=364), now=now
        )
    days = {slot.start.astimezone(availability.time_zone).date() for slot in availability.slots}
    assert date(2027, 12, 25) not in days and date(2028, 1, 1) not in days
    assert date(2027, 12, 27) in days
