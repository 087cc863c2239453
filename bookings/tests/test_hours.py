"""Supplier-wide weekly hours that staff inherit, and a staff member's own hours overriding them.

The rule, the same in the slot list and in the booking service: a resource with weekly hours
of its own keeps only those (a weekday it has no row for is its day off); a resource with none
follows the supplier's week.
"""

from datetime import date, time, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.availability import SlotRules, WeeklyHours, free_slots
from bookings.exceptions import InvalidBooking
from bookings.models import DateException, SupplierOpeningHours
from bookings.selectors import slots_for_service
from bookings.services import booking_create

from .conftest import OSLO, at
from .factories import ResourceFactory, ServiceFactory, SupplierFactory

pytestmark = pytest.mark.django_db

RULES = SlotRules(duration=30, interval=30)


def _clock(slots, resource_id) -> list[str]:
    return [f"{s.start.astimezone(OSLO):%a %H:%M}" for s in slots if s.resource_id == resource_id]


def test_engine_resource_without_hours_follows_the_supplier_week():
    monday = date(2031, 6, 2)
    slots = free_slots(
        resource_ids=[1],
        date_from=monday,
        date_to=monday + timedelta(days=1),
        tz=OSLO,
        rules=RULES,
        now=at(monday - timedelta(days=1), 12),
        weekly_hours=[WeeklyHours(None, 0, time(10), time(11, 30))],
    )
    assert _clock(slots, 1) == ["Mon 10:00", "Mon 10:30", "Mon 11:00"]


def test_engine_own_hours_replace_the_supplier_week_and_mixed_staff_each_get_theirs():
    monday = date(2031, 6, 2)
    slots = free_slots(
        resource_ids=[1, 2],
        date_from=monday,
        date_to=monday + timedelta(days=1),
        tz=OSLO,
        rules=RULES,
        now=at(monday - timedelta(days=1), 12),
        weekly_hours=[
            WeeklyHours(None, 0, time(10), time(11)),
            WeeklyHours(None, 1, time(10), time(11)),
            WeeklyHours(2, 0, time(14), time(15)),  # own Monday only: Tuesday is a day off
        ],
    )
    assert _clock(slots, 1) == ["Mon 10:00", "Mon 10:30", "Tue 10:00", "Tue 10:30"]
    assert _clock(slots, 2) == ["Mon 14:00", "Mon 14:30"]


class Salon:
    """Open 10–14 Monday to Friday; Ingrid and Jonas inherit, Kari works Mondays 12–16."""

    def __init__(self, *, closed_on_public_holidays: bool = False) -> None:
        self.supplier = SupplierFactory(closed_on_public_holidays=closed_on_public_holidays)
        SupplierOpeningHours.objects.bulk_create(
            SupplierOpeningHours(
                supplier=self.supplier, weekday=day, start_time=time(10), end_time=time(14)
            )
            for day in range(5)
        )
        self.ingrid = ResourceFactory(supplier=self.supplier, name="Ingrid", hours=[])
        self.jonas = ResourceFactory(supplier=self.supplier, name="Jonas", hours=[])
        self.kari = ResourceFactory(
            supplier=self.supplier, name="Kari", hours=[(0, time(12), time(16))]
        )
        self.service = ServiceFactory(
            supplier=self.supplier,
            resources=[self.ingrid, self.jonas, self.kari],
            booking_horizon_days=365,
        )

    def starts(self, day: date, resource, *, now=None) -> list[str]:
        availability = slots_for_service(
            service=self.service,
            date_from=day,
            date_to=day,
            resource=resource,
            now=now or at(day - timedelta(days=7), 12),
        )
        return [f"{slot.start.astimezone(OSLO):%H:%M}" for slot in availability.slots]


@pytest.fixture
def salon(db):
    return Salon()


SALON_DAY = ["10:00", "10:30", "11:00", "11:30", "12:00", "12:30", "13:00", "13:30"]
KARI_MONDAY = ["12:00", "12:30", "13:00", "13:30", "14:00", "14:30", "15:00", "15:30"]


def test_staff_without_hours_inherit_the_salon_hours(salon, monday):
    assert salon.starts(monday, salon.ingrid) == SALON_DAY
    assert salon.starts(monday + timedelta(days=1), salon.jonas) == SALON_DAY
    assert salon.starts(monday + timedelta(days=5), salon.jonas) == []  # the salon's Saturday


def test_own_hours_win_for_the_whole_week(salon, monday):
    assert salon.starts(monday, salon.kari) == KARI_MONDAY
    # Kari has hours of her own but none on Tuesday: a day off, not the salon's Tuesday.
    assert salon.starts(monday + timedelta(days=1), salon.kari) == []


def test_mixed_staff_in_one_listing(salon, monday):
    availability = slots_for_service(
        service=salon.service, date_from=monday, date_to=monday, now=at(monday, 6)
    )
    by_resource: dict[int, list[str]] = {}
    for slot in availability.slots:
        by_resource.setdefault(slot.resource_id, []).append(f"{slot.start.astimezone(OSLO):%H:%M}")
    assert by_resource == {
        salon.ingrid.pk: SALON_DAY,
        salon.jonas.pk: SALON_DAY,
        salon.kari.pk: KARI_MONDAY,
    }
    assert availability.resources == {
        salon.ingrid.pk: "Ingrid",
        salon.jonas.pk: "Jonas",
        salon.kari.pk: "Kari",
    }


def test_a_supplier_without_salon_hours_keeps_the_old_behaviour(monday):
    supplier = SupplierFactory()
    idle = ResourceFactory(supplier=supplier, hours=[])
    own = ResourceFactory(supplier=supplier, hours=[(0, time(9), time(10))])
    service = ServiceFactory(supplier=supplier, resources=[idle, own])
    availability = slots_for_service(
        service=service, date_from=monday, date_to=monday, now=at(monday, 6)
    )
    assert {slot.resource_id for slot in availability.slots} == {own.pk}
    assert idle.pk in availability.resources  # listed, just never free


def test_supplier_wide_date_exceptions_apply_to_inherited_hours(salon, monday):
    DateException.objects.create(supplier=salon.supplier, date=monday, reason="Kurs")
    assert salon.starts(monday, salon.ingrid) == []
    assert salon.starts(monday, salon.kari) == []


def test_a_staff_date_exception_replaces_inherited_hours_for_them_only(salon, monday):
    DateException.objects.create(
        supplier=salon.supplier,
        resource=salon.ingrid,
        date=monday,
        is_closed=False,
        start_time=time(16),
        end_time=time(17),
    )
    assert salon.starts(monday, salon.ingrid) == ["16:00", "16:30"]
    assert salon.starts(monday, salon.jonas) == SALON_DAY


def test_public_holidays_close_inherited_hours():
    salon = Salon(closed_on_public_holidays=True)
    easter_monday = date(2031, 4, 14)
    now = at(easter_monday - timedelta(days=7), 12)
    assert salon.starts(easter_monday, salon.ingrid, now=now) == []
    assert salon.starts(easter_monday, salon.kari, now=now) == []
    assert salon.starts(easter_monday + timedelta(days=7), salon.ingrid, now=now) == SALON_DAY


class _Accepted(Exception):
    """Raised to roll a successful booking back: only whether it was accepted matters."""


def _booking_accepted(salon, customer, resource, start) -> bool:
    try:
        with transaction.atomic():
            booking_create(customer=customer, service=salon.service, start=start, resource=resource)
            raise _Accepted
    except _Accepted:
        return True
    except InvalidBooking as refused:
        assert refused.code == "outside_opening_hours"
        return False


def test_slot_list_and_booking_check_agree(salon, monday, customer):
    # Every half hour from 07:00 to 18:30, for the inheriting and the overriding staff member.
    candidates = [at(monday, 7) + timedelta(minutes=30 * step) for step in range(24)]
    for resource in (salon.ingrid, salon.kari):
        listed = {
            slot.start
            for slot in slots_for_service(
                service=salon.service, date_from=monday, date_to=monday, resource=resource
            ).slots
        }
        accepted = {
            start for start in candidates if _booking_accepted(salon, customer, resource, start)
        }
        assert accepted == listed, resource.name
        assert listed  # both have hours that Monday


def test_anyone_available_books_the_inheriting_staff_outside_the_override(salon, monday, customer):
    # 10:00 Monday: Kari's own hours start at 12, so "anyone" gets Ingrid or Jonas.
    booking = booking_create(customer=customer, service=salon.service, start=at(monday, 10))
    assert booking.resource in (salon.ingrid, salon.jonas)
    # Tuesday 15:00 is outside the salon's hours and Kari is off: refused.
    with pytest.raises(InvalidBooking):
        booking_create(
            customer=customer, service=salon.service, start=at(monday + timedelta(days=1), 15)
        )


def test_inheritance_costs_no_query_per_resource(monday):
    """The slot list's query count is the same for one resource and for many mixed ones."""
    one = Salon()
    one.service.resources.set([one.ingrid])
    many = Salon()
    for extra in range(4):
        resource = ResourceFactory(
            supplier=many.supplier, hours=[] if extra % 2 else [(0, time(8), time(9))]
        )
        many.service.resources.add(resource)
    counts = []
    for salon in (one, many):
        with CaptureQueriesContext(connection) as queries:
            slots_for_service(
                service=salon.service,
                date_from=monday,
                date_to=monday + timedelta(days=30),
                now=at(monday, 6),
            )
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 3


def test_booking_check_costs_the_same_for_inherited_and_own_hours(salon, monday, customer):
    # The first booking of a test also fills per-process caches: not what is compared here.
    booking_create(customer=customer, service=salon.service, start=at(monday, 10))
    counts = []
    for resource, hour in ((salon.ingrid, 11), (salon.kari, 14)):
        with CaptureQueriesContext(connection) as queries:
            booking_create(
                customer=customer, service=salon.service, start=at(monday, hour), resource=resource
            )
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_demo_salon_staff_follow_the_salon_and_one_works_her_own_hours():
    from django.core.management import call_command

    from bookings.models import Service

    call_command("seed_demo", verbosity=0)
    service = Service.objects.get(supplier__slug="salong-fjord", name="Herreklipp")
    assert service.supplier.opening_hours.exists()
    staff = {resource.name: resource for resource in service.resources.all()}
    assert not staff["Ingrid"].opening_hours.exists()
    assert staff["Amira"].opening_hours.exists()
    today = timezone.localdate()
    availability = slots_for_service(
        service=service, date_from=today, date_to=today + timedelta(days=14)
    )
    assert {staff["Ingrid"].pk, staff["Jonas"].pk, staff["Amira"].pk} <= {
        slot.resource_id for slot in availability.slots
    }
    evening = {
        slot.start.astimezone(OSLO).hour
        for slot in availability.slots
        if slot.resource_id == staff["Amira"].pk
    }
    assert max(evening) >= 17  # after the salon closes: her own hours, not the salon's
