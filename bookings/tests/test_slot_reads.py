"""The slot list's two ways to read its rows read the same rows.

slots_for_service reads through the ORM on SQLite (the embedded default) and through one
prebuilt statement on PostgreSQL, where CI runs. A rule changed in one and not the other
(which bookings block, inherited hours, exceptions, busy blocks) would show here: both readers
run on the same database, over one calendar with every kind of row.
"""

from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from bookings.models import (
    Booking,
    BusyBlock,
    DateException,
    SupplierOpeningHours,
)
from bookings.selectors import (
    _slot_rows_orm,
    _slot_rows_pg,
    _SlotQuery,
    slots_for_service,
    supplier_time_zone,
)

from .conftest import OSLO, at
from .factories import ResourceFactory, ServiceFactory, SupplierFactory

pytestmark = pytest.mark.django_db


def _calendar():
    """A salon whose week staff inherit, one stylist with own hours, one inactive, and every
    kind of row the slot list reads: exceptions, a holiday, bookings in each status, blocks."""
    supplier = SupplierFactory(closed_on_public_holidays=True)
    SupplierOpeningHours.objects.bulk_create(
        SupplierOpeningHours(supplier=supplier, weekday=day, start_time=time(8), end_time=end)
        for day, end in [(0, time(16)), (1, time(16)), (2, time(20)), (3, time(16)), (5, time(13))]
    )
    inheriting = ResourceFactory(supplier=supplier, hours=[])
    own = ResourceFactory(
        supplier=supplier, hours=[(0, time(12), time(18)), (4, time(9), time(12))]
    )
    inactive = ResourceFactory(supplier=supplier, is_active=False)
    service = ServiceFactory(
        supplier=supplier,
        resources=[inheriting, own, inactive],
        buffer_after_minutes=10,
        minimum_notice_minutes=120,
    )
    today = timezone.localdate()
    first = today + timedelta(days=(7 - today.weekday()) % 7 or 7)  # next Monday
    DateException.objects.create(supplier=supplier, date=first + timedelta(days=1))  # all closed
    DateException.objects.create(
        supplier=supplier,
        resource=own,
        date=first + timedelta(days=7),
        is_closed=False,
        start_time=time(7),
        end_time=time(9),
    )
    booked = {}
    for status, hour in [
        (Booking.Status.CONFIRMED, 9),
        (Booking.Status.PENDING_PAYMENT, 10),
        (Booking.Status.CANCELLED, 11),
    ]:
        start = at(first, hour)
        booked[status] = Booking.objects.create(
            customer=None,
            supplier=supplier,
            service=service,
            resource=inheriting,
            start=start,
            end=start + timedelta(minutes=30),
            blocked_start=start,
            blocked_end=start + timedelta(minutes=40),
            status=status,
            price_ore=0,
            vat_rate=25,
            hold_expires_at=timezone.now() + timedelta(minutes=10)
            if status == Booking.Status.PENDING_PAYMENT
            else None,
        )
    expired = at(first + timedelta(days=2), 9)
    Booking.objects.create(
        customer=None,
        supplier=supplier,
        service=service,
        resource=inheriting,
        start=expired,
        end=expired + timedelta(minutes=30),
        blocked_start=expired,
        blocked_end=expired + timedelta(minutes=30),
        status=Booking.Status.PENDING_PAYMENT,
        price_ore=0,
        vat_rate=25,
        hold_expires_at=timezone.now() - timedelta(minutes=1),  # a lapsed hold blocks nothing
    )
    BusyBlock.objects.create(
        resource=own, start=at(first, 13, 7), end=at(first, 14, 53)
    )  # odd minutes: rounded outward by both readers
    return service, own, first, booked[Booking.Status.CONFIRMED]


def _rows(**arguments):
    """Both readers' rows, in one order (row order is no part of the answer)."""
    service = arguments["service"]
    common = {
        "tz": supplier_time_zone(service.supplier),
        "now": timezone.now(),
        "resource": None,
        "exclude_booking_id": None,
        **arguments,
    }

    def normal(rows):
        return (
            rows.resources,
            sorted(rows.weekly, key=repr),
            sorted(rows.exceptions, key=repr),
            {rid: sorted(intervals) for rid, intervals in rows.busy.items() if intervals},
        )

    query = _SlotQuery(**common)
    return normal(_slot_rows_orm(query)), normal(_slot_rows_pg(query))


@pytest.mark.parametrize("variant", ["everyone", "one_resource", "excluding_a_booking"])
def test_postgres_statement_and_orm_queries_read_the_same_rows(variant):
    if connection.vendor != "postgresql":
        pytest.skip("the prebuilt statement is PostgreSQL's")
    service, own, first, confirmed = _calendar()
    arguments = {"service": service, "date_from": first, "date_to": first + timedelta(days=13)}
    if variant == "one_resource":
        arguments["resource"] = own
    elif variant == "excluding_a_booking":
        arguments["exclude_booking_id"] = confirmed.pk
    orm, pg = _rows(**arguments)
    assert pg == orm
    resources, weekly, exceptions, busy = orm
    # The comparison is about real rows, not two empty answers.
    assert resources and weekly and exceptions and busy


def test_nothing_to_read_for_an_empty_range():
    if connection.vendor != "postgresql":
        pytest.skip("the prebuilt statement is PostgreSQL's")
    service, _, first, _ = _calendar()
    orm, pg = _rows(service=service, date_from=first, date_to=first - timedelta(days=1))
    assert pg[0] == orm[0]  # the resources; the engine is not asked
    assert (
        len(
            slots_for_service(
                service=service, date_from=first, date_to=first - timedelta(days=1)
            ).free
        )
        == 0
    )


def test_each_row_kind_shapes_the_slots():
    """The calendar's rows really shape the answer (else agreeing would prove little)."""
    service, own, first, _ = _calendar()
    answer = slots_for_service(service=service, date_from=first, date_to=first + timedelta(days=13))
    starts = {(s.start.astimezone(OSLO), s.resource_id) for s in answer.slots}
    inheriting = next(r for r in answer.resources if r != own.pk)

    def local(day: date, hour: int, minute: int = 0):
        return at(day, hour, minute).astimezone(OSLO)

    assert (local(first, 9), inheriting) not in starts  # confirmed booking
    assert (local(first, 10), inheriting) not in starts  # pending, hold running
    assert (local(first, 11), inheriting) in starts  # cancelled blocks nothing
    assert (local(first + timedelta(days=2), 9), inheriting) in starts  # lapsed hold
    assert (local(first, 13), own.pk) not in starts and (local(first, 15), own.pk) in starts
    closed = first + timedelta(days=1)
    assert not any(s.start.astimezone(OSLO).date() == closed for s in answer.slots)
    assert (local(first + timedelta(days=7), 7), own.pk) in starts  # exception opens early
