"""Reads for bookings: suppliers and services shown to customers, free slots, own bookings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connections
from django.db.models import BigIntegerField, F, Func, Prefetch, Q, QuerySet
from django.utils import timezone

from payments.selectors import payment_start_url

from .availability import DateOverride, Slot, SlotRules, WeeklyHours, free_slots
from .models import Booking, BusyBlock, DateException, OpeningHours, Resource, Service, Supplier


def suppliers_listed() -> QuerySet[Supplier]:
    """Suppliers shown to customers: active ones, by name."""
    return Supplier.objects.filter(is_active=True).order_by("name")


def supplier_get_listed(*, slug: str) -> Supplier | None:
    return suppliers_listed().filter(slug=slug).first()


def services_listed(*, supplier: Supplier) -> QuerySet[Service]:
    """A supplier's bookable services with their active resources (two queries in all)."""
    return (
        Service.objects.filter(supplier=supplier, is_active=True)
        .select_related("supplier")
        .prefetch_related(
            Prefetch(
                "resources",
                queryset=Resource.objects.filter(is_active=True).order_by("sort_order", "name"),
            )
        )
        .order_by("sort_order", "name")
    )


def service_get_bookable(*, service_id: object) -> Service | None:
    """An active service of an active supplier, or None (unknown, inactive, malformed id)."""
    try:
        service_id = int(service_id)
    except (TypeError, ValueError):
        return None
    return (
        Service.objects.select_related("supplier")
        .filter(pk=service_id, is_active=True, supplier__is_active=True)
        .first()
    )


def supplier_time_zone(supplier: Supplier) -> ZoneInfo:
    return ZoneInfo(supplier.time_zone)


def slot_rules_for(service: Service) -> SlotRules:
    return SlotRules(
        duration=service.duration_minutes,
        buffer_before=service.buffer_before_minutes,
        buffer_after=service.buffer_after_minutes,
        interval=service.slot_interval_minutes,
        minimum_notice=service.minimum_notice_minutes,
        horizon_days=service.booking_horizon_days,
    )


def blocking_bookings(*, now: datetime) -> QuerySet[Booking]:
    """Bookings that hold their time: confirmed, or awaiting payment with a live hold.

    An expired payment hold frees its slot at once, even before the periodic task cancels it.
    """
    return Booking.objects.filter(
        Q(status=Booking.Status.CONFIRMED)
        | Q(status=Booking.Status.PENDING_PAYMENT)
        & (Q(hold_expires_at__isnull=True) | Q(hold_expires_at__gt=now))
    )


def _interval_rows(queryset: QuerySet) -> list[tuple[int, datetime, datetime]]:
    """(resource_id, start, end) rows of a values_list queryset, without Django's converters.

    Same SQL, one query. Why: on SQLite each datetime goes through parse_datetime + make_aware
    (several µs); for the ~1000 intervals of a busy 62-day range that was the largest part of
    the slots request. SQLite hands back naive UTC datetimes (or text); on PostgreSQL the
    queryset already selects POSIX seconds (see _epoch), which need no conversion.
    """
    connection = connections[queryset.db]
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if connection.vendor != "sqlite":
        return rows
    return [(rid, _utc(start), _utc(end)) for rid, start, end in rows]


def _epoch(field: str, *, round_up: bool = False) -> Func:
    """PostgreSQL: a timestamptz column as whole POSIX seconds (a bigint).

    Why: psycopg parses timestamptz text in Python through Django's time-zone loader, about
    10 µs a value, which made up most of a 62-day slots request; integers load in C.
    Starts round down and ends up, so a busy interval never shrinks.
    """
    rounding = "CEIL" if round_up else "FLOOR"
    return Func(
        F(field),
        template=f"{rounding}(EXTRACT(EPOCH FROM %(expressions)s))::bigint",
        output_field=BigIntegerField(),
    )


def _utc(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Availability:
    slots: list[Slot]
    resources: dict[int, str]
    time_zone: ZoneInfo


def slots_for_service(
    *,
    service: Service,
    date_from: date,
    date_to: date,
    resource: Resource | None = None,
    now: datetime | None = None,
    exclude_booking_id: int | None = None,
) -> Availability:
    """Free slots of `service` on the local dates [date_from, date_to] (inclusive).

    Four queries whatever the range (resources, weekly hours, date exceptions, and bookings
    with busy blocks in one UNION ALL): the interval arithmetic runs in bookings.availability.
    `exclude_booking_id` leaves one booking out (rescheduling it must not collide with itself).
    """
    now = now or timezone.now()
    tz = supplier_time_zone(service.supplier)
    resources_qs = service.resources.filter(is_active=True).order_by("sort_order", "name")
    if resource is not None:
        resources_qs = resources_qs.filter(pk=resource.pk)
    resources = dict(resources_qs.values_list("id", "name"))
    if not resources or date_to < date_from:
        return Availability(slots=[], resources=resources, time_zone=tz)
    ids = list(resources)

    # Padding of a day either side covers buffers and any UTC offset.
    range_start = datetime.combine(date_from - timedelta(days=1), time.min, tzinfo=tz)
    range_end = datetime.combine(date_to + timedelta(days=2), time.min, tzinfo=tz)

    weekly = [
        WeeklyHours(resource_id=rid, weekday=weekday, start=start, end=end)
        for rid, weekday, start, end in OpeningHours.objects.filter(resource_id__in=ids)
        .values_list("resource_id", "weekday", "start_time", "end_time")
        .iterator()
    ]
    overrides = [
        DateOverride(date=day, resource_id=rid, is_closed=closed, start=start, end=end)
        for day, rid, closed, start, end in DateException.objects.filter(
            Q(resource__isnull=True) | Q(resource_id__in=ids),
            supplier_id=service.supplier_id,
            date__gte=date_from,
            date__lte=date_to,
        ).values_list("date", "resource_id", "is_closed", "start_time", "end_time")
    ]
    busy: dict[int, list[tuple[datetime, datetime] | tuple[int, int]]] = {rid: [] for rid in ids}
    bookings = blocking_bookings(now=now).filter(
        resource_id__in=ids, blocked_start__lt=range_end, blocked_end__gt=range_start
    )
    if exclude_booking_id is not None:
        bookings = bookings.exclude(pk=exclude_booking_id)
    blocks = (
        BusyBlock.objects.filter(resource_id__in=ids, start__lt=range_end, end__gt=range_start)
        .order_by()
        .values_list("resource_id", "start", "end")
    )
    if connections[bookings.db].vendor == "postgresql":
        bookings = bookings.values_list(
            "resource_id", _epoch("blocked_start"), _epoch("blocked_end", round_up=True)
        )
        blocks = blocks.values_list("resource_id", _epoch("start"), _epoch("end", round_up=True))
    else:
        bookings = bookings.values_list("resource_id", "blocked_start", "blocked_end")
    # Bookings' blocked intervals and busy blocks are the same thing to the engine: one query.
    intervals = bookings.order_by().union(blocks, all=True)
    for rid, start, end in _interval_rows(intervals):
        busy[rid].append((start, end))

    slots = free_slots(
        resource_ids=ids,
        date_from=date_from,
        date_to=date_to,
        tz=tz,
        rules=slot_rules_for(service),
        now=now,
        weekly_hours=weekly,
        overrides=overrides,
        busy=busy,
    )
    return Availability(slots=slots, resources=resources, time_zone=tz)


def bookings_for_customer(*, customer) -> QuerySet[Booking]:
    """Only the caller's own bookings, newest start first."""
    if not getattr(customer, "is_authenticated", False):
        return Booking.objects.none()
    return Booking.objects.filter(customer=customer).select_related(
        "service", "resource", "supplier"
    )


def booking_for_idempotency_key(*, customer, key: str) -> Booking | None:
    if not key:
        return None
    return Booking.objects.filter(customer=customer, idempotency_key=key).first()


def booking_cancellation_deadline(booking: Booking) -> datetime:
    return booking.start - timedelta(hours=booking.supplier.cancellation_deadline_hours)


def booking_can_be_changed_by_customer(booking: Booking, *, now: datetime | None = None) -> bool:
    """Open for cancel/reschedule by the customer: holds time and the deadline has not passed."""
    now = now or timezone.now()
    return booking.status in Booking.BLOCKING_STATUSES and now <= booking_cancellation_deadline(
        booking
    )


def booking_payment_url(booking: Booking) -> str | None:
    """Where the customer pays for a pending booking; None when nothing is to be paid.

    The payments app decides (its providers and settings); the API's `payment_url` and the
    confirmation page both read it from here.
    """
    return payment_start_url(booking)


def busy_block_conflicts(*, resource: Resource, start: datetime, end: datetime) -> bool:
    """Would blocking [start, end) on `resource` cover a booking that holds time?"""
    return (
        blocking_bookings(now=timezone.now())
        .filter(resource=resource, blocked_start__lt=end, blocked_end__gt=start)
        .exists()
    )


def bookings_calendar(
    *, supplier_id: int | None, day_from: date, day_to: date, tz: ZoneInfo
) -> QuerySet[Booking]:
    """Bookings (any status but cancelled) of one supplier (None: all) over local dates."""
    start = datetime.combine(day_from, time.min, tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day_to + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    qs = Booking.objects.filter(start__lt=end, end__gt=start).exclude(
        status=Booking.Status.CANCELLED
    )
    if supplier_id is not None:
        qs = qs.filter(supplier_id=supplier_id)
    return qs.select_related("resource", "service", "customer").order_by("start")
