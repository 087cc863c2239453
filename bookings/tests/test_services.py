from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings import signals
from bookings.exceptions import (
    CancellationDeadlinePassed,
    IdempotencyKeyReused,
    InvalidBooking,
    InvalidStatusTransition,
    SlotUnavailable,
)
from bookings.models import Booking, BusyBlock, DateException
from bookings.selectors import slots_for_service
from bookings.services import (
    booking_cancel,
    booking_confirm_payment,
    booking_create,
    booking_create_by_phone,
    booking_expire_holds,
    booking_mark_completed,
    booking_mark_no_show,
    booking_reschedule,
    busy_block_create,
)
from bookings.tasks import expire_payment_holds

from .conftest import at, staff_for
from .factories import ResourceFactory, ServiceFactory

pytestmark = pytest.mark.django_db


class Recorder:
    def __init__(self, signal):
        self.calls = []
        signal.connect(self.receive, weak=False)
        self.signal = signal

    def receive(self, sender, **kwargs):
        self.calls.append(kwargs)


@pytest.fixture
def confirmed_events():
    recorder = Recorder(signals.booking_confirmed)
    yield recorder
    signals.booking_confirmed.disconnect(recorder.receive)


@pytest.fixture
def cancelled_events():
    recorder = Recorder(signals.booking_cancelled)
    yield recorder
    signals.booking_cancelled.disconnect(recorder.receive)


def test_create_confirms_free_service_and_sends_event(service, customer, monday, confirmed_events):
    booking = booking_create(customer=customer, service=service, start=at(monday, 10))
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.reference.startswith("BK-") and len(booking.reference) == 9
    assert booking.end - booking.start == timedelta(minutes=30)
    assert booking.price_ore == 49_000
    # created=True tells receivers (calendars) that no earlier rows of this booking can exist.
    assert confirmed_events.calls == [
        {"booking": booking, "created": True, "signal": signals.booking_confirmed}
    ]


def test_payment_required_service_holds_slot_without_confirming(
    supplier, resource, customer, monday, confirmed_events, settings
):
    settings.BOOKING_HOLD_MINUTES = 15
    service = ServiceFactory(supplier=supplier, resources=[resource], payment_mode="full")
    booking = booking_create(customer=customer, service=service, start=at(monday, 10))
    assert booking.status == Booking.Status.PENDING_PAYMENT
    assert booking.hold_expires_at - timezone.now() <= timedelta(minutes=15)
    assert booking.hold_expires_at - timezone.now() > timedelta(minutes=14)
    assert confirmed_events.calls == []
    booking_confirm_payment(booking=booking)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED and booking.hold_expires_at is None
    assert len(confirmed_events.calls) == 1
    booking_confirm_payment(booking=booking)  # a replayed webhook changes nothing
    assert len(confirmed_events.calls) == 1


def test_expired_hold_does_not_block_and_is_released(
    supplier, resource, customer, other_customer, monday, cancelled_events
):
    service = ServiceFactory(supplier=supplier, resources=[resource], payment_mode="full")
    hold = booking_create(customer=customer, service=service, start=at(monday, 10))
    Booking.objects.filter(pk=hold.pk).update(hold_expires_at=timezone.now() - timedelta(seconds=1))
    starts = [
        s.start for s in slots_for_service(service=service, date_from=monday, date_to=monday).slots
    ]
    assert at(monday, 10) in starts  # the engine ignores it before the task has run
    second = booking_create(customer=other_customer, service=service, start=at(monday, 10))
    hold.refresh_from_db()
    assert hold.status == Booking.Status.CANCELLED and hold.cancelled_by == "system"
    assert second.status == Booking.Status.PENDING_PAYMENT
    assert cancelled_events.calls[0]["booking"] == hold
    # Paying the first, released booking now fails: its slot was taken meanwhile.
    with pytest.raises(SlotUnavailable):
        booking_confirm_payment(booking=hold)


def test_late_payment_revives_released_booking_when_still_free(
    supplier, resource, customer, monday
):
    service = ServiceFactory(supplier=supplier, resources=[resource], payment_mode="full")
    hold = booking_create(customer=customer, service=service, start=at(monday, 10))
    Booking.objects.filter(pk=hold.pk).update(hold_expires_at=timezone.now() - timedelta(minutes=1))
    assert expire_payment_holds() == 1
    assert booking_expire_holds() == 0  # idempotent
    booking_confirm_payment(booking=hold)
    hold.refresh_from_db()
    assert hold.status == Booking.Status.CONFIRMED


def test_double_booking_refused(service, customer, other_customer, monday):
    booking_create(customer=customer, service=service, start=at(monday, 10))
    with pytest.raises(SlotUnavailable):
        booking_create(customer=other_customer, service=service, start=at(monday, 10))
    assert Booking.objects.count() == 1


def test_buffers_block_neighbours(supplier, resource, customer, monday):
    service = ServiceFactory(
        supplier=supplier, resources=[resource], buffer_after_minutes=15, slot_interval_minutes=15
    )
    booking_create(customer=customer, service=service, start=at(monday, 10))
    with pytest.raises(SlotUnavailable):
        booking_create(customer=customer, service=service, start=at(monday, 10, 30))
    booking_create(customer=customer, service=service, start=at(monday, 10, 45))


def test_any_resource_picks_a_free_one(supplier, resource, customer, other_customer, monday):
    second = ResourceFactory(supplier=supplier, name="Jonas")
    service = ServiceFactory(supplier=supplier, resources=[resource, second])
    first = booking_create(customer=customer, service=service, start=at(monday, 10))
    again = booking_create(customer=other_customer, service=service, start=at(monday, 10))
    assert {first.resource, again.resource} == {resource, second}
    with pytest.raises(SlotUnavailable):
        booking_create(customer=other_customer, service=service, start=at(monday, 10))


@pytest.mark.parametrize(
    ("when", "code"),
    [
        (lambda monday: at(monday, 7), "outside_opening_hours"),
        (lambda monday: at(monday, 10, 10), "outside_opening_hours"),
        (lambda monday: at(monday, 16, 45), "outside_opening_hours"),
        (lambda monday: timezone.now() - timedelta(hours=1), "in_the_past"),
        (lambda monday: timezone.now() + timedelta(minutes=20), "too_short_notice"),
        (lambda monday: at(monday + timedelta(days=120), 10), "beyond_horizon"),
    ],
)
def test_bad_times_are_rejected_and_nothing_is_written(service, customer, monday, when, code):
    with pytest.raises(InvalidBooking) as error:
        booking_create(customer=customer, service=service, start=when(monday))
    assert error.value.code == code
    assert Booking.objects.count() == 0


def test_inactive_service_and_foreign_resource(service, customer, monday):
    with pytest.raises(InvalidBooking) as error:
        booking_create(
            customer=customer, service=service, start=at(monday, 10), resource=ResourceFactory()
        )
    assert error.value.code == "invalid_resource"
    service.is_active = False
    service.save()
    with pytest.raises(InvalidBooking) as error:
        booking_create(customer=customer, service=service, start=at(monday, 10))
    assert error.value.code == "service_inactive"


def test_date_exception_and_busy_block(service, resource, customer, monday):
    DateException.objects.create(supplier=service.supplier, date=monday, is_closed=True)
    with pytest.raises(InvalidBooking):
        booking_create(customer=customer, service=service, start=at(monday, 10))
    tuesday = monday + timedelta(days=1)
    BusyBlock.objects.create(resource=resource, start=at(tuesday, 10), end=at(tuesday, 11))
    with pytest.raises(SlotUnavailable):
        booking_create(customer=customer, service=service, start=at(tuesday, 10, 30))


def test_idempotency_key(service, customer, monday):
    first = booking_create(
        customer=customer, service=service, start=at(monday, 10), idempotency_key="k1"
    )
    again = booking_create(
        customer=customer, service=service, start=at(monday, 10), idempotency_key="k1"
    )
    assert again.pk == first.pk and Booking.objects.count() == 1
    with pytest.raises(IdempotencyKeyReused):
        booking_create(
            customer=customer, service=service, start=at(monday, 11), idempotency_key="k1"
        )


def test_cancel_before_and_after_deadline(
    service, customer, other_customer, monday, cancelled_events
):
    booking = booking_create(customer=customer, service=service, start=at(monday, 10))
    with pytest.raises(InvalidBooking):
        booking_cancel(booking=booking, by_user=other_customer, by_supplier=False)
    booking_cancel(booking=booking, by_user=customer, by_supplier=False, reason="sick")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED and booking.cancelled_by == "customer"
    assert cancelled_events.calls[-1]["within_deadline"] is True
    with pytest.raises(InvalidStatusTransition):
        booking_cancel(booking=booking, by_user=customer, by_supplier=False)

    service.supplier.cancellation_deadline_hours = 24 * 7
    service.supplier.save()
    tomorrow = timezone.localdate() + timedelta(days=1)
    start = at(tomorrow, 10)
    late = booking_create(customer=customer, service=service, start=start)
    with pytest.raises(CancellationDeadlinePassed):
        booking_cancel(booking=late, by_user=customer, by_supplier=False)
    with pytest.raises(CancellationDeadlinePassed):
        booking_reschedule(booking=late, start=start + timedelta(hours=1), by_user=customer)
    staff = staff_for(service.supplier)
    booking_cancel(booking=late, by_user=staff, by_supplier=True, reason="closed")
    assert cancelled_events.calls[-1]["by_supplier"] is True
    assert cancelled_events.calls[-1]["within_deadline"] is False


def test_reschedule(service, customer, other_customer, monday):
    events = Recorder(signals.booking_rescheduled)
    booking = booking_create(customer=customer, service=service, start=at(monday, 10))
    blocker = booking_create(customer=other_customer, service=service, start=at(monday, 12))
    with pytest.raises(SlotUnavailable):
        booking_reschedule(booking=booking, start=at(monday, 12), by_user=customer)
    # Moving by half an hour overlaps its own old time: allowed.
    booking_reschedule(booking=booking, start=at(monday, 10, 30), by_user=customer)
    booking.refresh_from_db()
    assert booking.start == at(monday, 10, 30)
    assert booking.blocked_end == at(monday, 11)
    assert events.calls[-1]["previous_start"] == at(monday, 10)
    assert blocker.start == at(monday, 12)
    signals.booking_rescheduled.disconnect(events.receive)


def test_phone_booking_no_show_completed_and_block_time(service, resource, customer):
    staff = staff_for(service.supplier)
    with pytest.raises(InvalidBooking):
        booking_create_by_phone(
            staff_user=staff_for(ServiceFactory().supplier),
            customer_email=customer.email,
            customer_name=customer.full_name,
            service=service,
            start=timezone.now() + timedelta(days=1),
        )
    # Tomorrow 10:00 is inside a 3-day minimum notice: staff may still book it by phone.
    service.minimum_notice_minutes = 3 * 24 * 60
    service.save()
    start = at(timezone.localdate() + timedelta(days=1), 10)
    with pytest.raises(InvalidBooking):
        booking_create(customer=customer, service=service, start=start)
    booking = booking_create_by_phone(
        staff_user=staff,
        customer_email=customer.email,
        customer_name=customer.full_name,
        service=service,
        start=start,
    )
    assert booking.status == Booking.Status.CONFIRMED and booking.created_by == staff
    with pytest.raises(InvalidStatusTransition):
        booking_mark_no_show(booking=booking, by_user=staff)
    Booking.objects.filter(pk=booking.pk).update(
        start=start - timedelta(days=2),
        end=start - timedelta(days=2) + timedelta(minutes=30),
        blocked_start=start - timedelta(days=2),
        blocked_end=start - timedelta(days=2) + timedelta(minutes=30),
    )
    assert booking_mark_no_show(booking=booking, by_user=staff).status == "no_show"
    with pytest.raises(InvalidStatusTransition):
        booking_mark_completed(booking=booking, by_user=staff)

    other = booking_create_by_phone(
        staff_user=staff,
        customer_email=customer.email,
        customer_name=customer.full_name,
        service=service,
        start=start,
    )
    with pytest.raises(SlotUnavailable):
        busy_block_create(resource=resource, start=other.start, end=other.end, by_user=staff)
    with pytest.raises(InvalidBooking):
        busy_block_create(resource=resource, start=other.end, end=other.start, by_user=staff)
    block = busy_block_create(
        resource=resource,
        start=other.end + timedelta(hours=1),
        end=other.end + timedelta(hours=2),
        note="lunsj",
        by_user=staff,
    )
    assert block.source == BusyBlock.Source.MANUAL


def test_slots_constant_query_count(service, customer, monday, django_assert_max_num_queries):
    booking_create(customer=customer, service=service, start=at(monday, 10))
    with CaptureQueriesContext(connection) as one_day:
        slots_for_service(service=service, date_from=monday, date_to=monday)
    with django_assert_max_num_queries(len(one_day)):
        result = slots_for_service(
            service=service, date_from=monday, date_to=monday + timedelta(days=58)
        )
    assert len(one_day) <= 6
    assert at(monday, 10) not in {slot.start for slot in result.slots}
    assert at(monday, 10, 30) in {slot.start for slot in result.slots}


def test_slots_for_explicit_resource_and_empty_range(service, resource, monday):
    result = slots_for_service(service=service, date_from=monday, date_to=monday, resource=resource)
    assert {slot.resource_id for slot in result.slots} == {resource.pk}
    assert result.resources == {resource.pk: resource.name}
    assert (
        slots_for_service(
            service=service, date_from=monday, date_to=monday - timedelta(days=1)
        ).slots
        == []
    )
    assert isinstance(monday, date)


def test_busy_times_with_seconds_never_shrink(service, resource, monday):
    # Calendar sync can bring odd boundaries; the database rounds them outwards.
    BusyBlock.objects.create(
        resource=resource,
        start=at(monday, 11) + timedelta(seconds=59, microseconds=500_000),
        end=at(monday, 11, 30) + timedelta(microseconds=1),
    )
    BusyBlock.objects.create(
        resource=resource, start=at(monday, 13), end=at(monday, 13) + timedelta(seconds=1)
    )
    starts = {
        s.start for s in slots_for_service(service=service, date_from=monday, date_to=monday).slots
    }
    assert at(monday, 10, 30) in starts  # ends 11:00:00, before the block's 11:00:59.5
    assert at(monday, 11) not in starts
    assert at(monday, 11, 30) not in starts  # the block runs a microsecond past 11:30
    assert at(monday, 12) in starts
    assert at(monday, 13) not in starts and at(monday, 12, 30) in starts
