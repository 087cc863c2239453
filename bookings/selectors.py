"""Reads for bookings: suppliers and services shown to customers, free slots, own bookings."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.db import connections
from django.db.models import (
    BigIntegerField,
    CharField,
    F,
    Func,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from .availability import (
    NO_FREE_SLOTS,
    DateOverride,
    FreeSlots,
    Slot,
    SlotRules,
    WeeklyHours,
    free_slot_table,
    merged_weeks,
    norwegian_public_holidays,
    opening_wall_clock,
    public_holiday_closures,
    week_of,
)
from .exceptions import InvalidBooking
from .hooks import payment_url_hook
from .models import (
    Booking,
    BusyBlock,
    DateException,
    OpeningHours,
    Resource,
    Service,
    Supplier,
    SupplierOpeningHours,
)


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
    if not -(2**63) <= service_id < 2**63:
        return None  # no such id fits the column (the ORM would raise on the bound value)
    db = Service.objects.db
    connection = connections[db]
    if connection.vendor != "postgresql":
        return _bookable(service_id).first()
    sql, columns = _bookable_service_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [service_id])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, column, converters in columns:
        for converter in converters:
            values[index] = converter(values[index], column, connection)
    split = len(Service._meta.concrete_fields)
    service = Service.from_db(
        db, [f.attname for f in Service._meta.concrete_fields], values[:split]
    )
    supplier = Supplier.from_db(
        db, [f.attname for f in Supplier._meta.concrete_fields], values[split:]
    )
    Service._meta.get_field("supplier").set_cached_value(service, supplier)
    return service


def _bookable(service_id: int) -> QuerySet[Service]:
    return Service.objects.select_related("supplier").filter(
        pk=service_id, is_active=True, supplier__is_active=True
    )


@functools.cache
def _bookable_service_sql() -> tuple[str, list[tuple[int, object, list]]]:
    """_bookable's SQL compiled once per process, and the columns' database converters (as the
    ORM applies them: the supplier's JSON field). Why: on the slots API's hot path, compiling
    the query cost about four times running it. Columns: the service's concrete fields, then
    the supplier's (select_related's order)."""
    connection = connections[Service.objects.db]
    compiler = _bookable(0).order_by()[:1].query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    if list(params) != [0]:  # the id must be the statement's only parameter
        raise RuntimeError(f"unexpected parameters {params!r}")
    fields = [*Service._meta.concrete_fields, *Supplier._meta.concrete_fields]
    columns = []
    for index, field in enumerate(fields):
        column = field.cached_col
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if converters:
            columns.append((index, column, converters))
    return sql, columns


def resource_chosen_for(service: Service, value: object) -> Resource | None:
    """The active resource with id `value` that performs `service`; None when none was chosen.

    Anything else (not an id, another supplier's, inactive, not performing the service) raises
    InvalidBooking: a customer who picked a person must never silently get somebody else.
    """
    if value in (None, ""):
        return None
    try:
        resource_id = int(value)
    except (TypeError, ValueError):
        resource_id = None
    resource = (
        service.resources.filter(pk=resource_id, is_active=True).first()
        if resource_id is not None and 0 < resource_id < 2**63
        else None
    )
    if resource is None:
        raise InvalidBooking(
            _("This resource does not perform the chosen service."), code="invalid_resource"
        )
    return resource


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


# Busy intervals are read as whole POSIX seconds computed by the database. Why: turning ~1,800
# timestamps per 62-day request into datetimes cost more than the slot arithmetic itself
# (psycopg parses timestamptz text in Python through Django's time-zone loader; SQLite goes
# through parse_datetime). Starts round down and ends up, so a busy interval never shrinks.
EPOCH_TEMPLATES = {
    "postgresql": (
        "FLOOR(EXTRACT(EPOCH FROM %(expressions)s))::bigint",
        "CEIL(EXTRACT(EPOCH FROM %(expressions)s))::bigint",
    ),
    # Django stores UTC text with microseconds only when they are not zero. '%%%%s' reaches
    # SQLite as '%s' after Django's own placeholder conversion.
    "sqlite": (
        "CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)",
        "(CAST(strftime('%%%%s', %(expressions)s) AS INTEGER) + (instr(%(expressions)s, '.') > 0))",
    ),
}


def _epoch(field: str, *, vendor: str, round_up: bool = False) -> Func:
    """A datetime column as whole POSIX seconds (an integer) on `vendor`'s database."""
    return Func(
        F(field),
        template=EPOCH_TEMPLATES[vendor][round_up],
        output_field=BigIntegerField(),
    )


def _fetch_raw(queryset: QuerySet) -> list[tuple]:
    """All rows of a values_list query as the driver returns them.

    Only for columns whose driver type is already final (here integers): it skips Django's
    per-value converters and chunked fetching, a measurable share of the slots API's time.
    """
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _supplier_hours_rows(supplier_id: int, *columns: Value) -> QuerySet:
    """The supplier's own week as rows shaped like a resource's (resource id NULL), to UNION
    with them: the engine works out inheritance, and the hours stay one query."""
    return (
        SupplierOpeningHours.objects.filter(supplier_id=supplier_id)
        .annotate(
            owner_id=Value(None, output_field=IntegerField()),
            **{f"column_{i}": column for i, column in enumerate(columns)},
        )
        .values_list(
            "owner_id",
            *(f"column_{i}" for i in range(len(columns))),
            "weekday",
            "start_time",
            "end_time",
        )
        .order_by()
    )


def weekly_hours_of(*, supplier_id: int, resource_ids: list[int]) -> list[WeeklyHours]:
    """The resources' own weekly intervals and the supplier's (resource_id None), in one query,
    as the slot engine takes them (it decides who inherits the supplier's week)."""
    own = (
        OpeningHours.objects.filter(resource_id__in=resource_ids)
        .order_by()  # the model's ordering joins resource and supplier: not needed here
        .values_list("resource_id", "weekday", "start_time", "end_time")
    )
    return [
        WeeklyHours(resource_id=rid, weekday=weekday, start=start, end=end)
        for rid, weekday, start, end in own.union(_supplier_hours_rows(supplier_id), all=True)
    ]


def date_overrides_of(
    *,
    supplier: Supplier,
    resource_ids: list[int],
    date_from: date,
    date_to: date,
) -> list[DateOverride]:
    """Date exceptions of the resources and supplier-wide ones, over local dates (inclusive),
    plus the Norwegian public holidays when the supplier closes on them (computed, no query)."""
    return _with_public_holidays(
        date_exceptions_of(
            supplier_id=supplier.pk, resource_ids=resource_ids, date_from=date_from, date_to=date_to
        ),
        supplier=supplier,
        resource_ids=resource_ids,
        date_from=date_from,
        date_to=date_to,
    )


def date_exceptions_of(
    *, supplier_id: int, resource_ids: list[int], date_from: date, date_to: date
) -> list[DateOverride]:
    """The supplier's own date exceptions (supplier-wide and the resources'), one query."""
    return [
        DateOverride(date=day, resource_id=rid, is_closed=closed, start=start, end=end)
        for day, rid, closed, start, end in DateException.objects.filter(
            Q(resource__isnull=True) | Q(resource_id__in=resource_ids),
            supplier_id=supplier_id,
            date__gte=date_from,
            date__lte=date_to,
        )
        .order_by()
        .values_list("date", "resource_id", "is_closed", "start_time", "end_time")
    ]


def _with_public_holidays(
    rows: list[DateOverride],
    *,
    supplier: Supplier,
    resource_ids: list[int],
    date_from: date,
    date_to: date,
) -> list[DateOverride]:
    if supplier.closed_on_public_holidays and date_from <= date_to:
        rows = rows + public_holiday_closures(
            holiday_dates=norwegian_public_holidays(date_from, date_to),
            overrides=rows,
            resource_ids=resource_ids,
        )
    return rows


@dataclass(frozen=True)
class Availability:
    free: FreeSlots
    resources: dict[int, str]
    time_zone: ZoneInfo

    @cached_property
    def slots(self) -> list[Slot]:
        return self.free.as_slots()


def slots_for_service(
    *,
    service: Service,
    date_from: date,
    date_to: date,
    resource: Resource | None = None,
    now: datetime | None = None,
    exclude_booking_id: int | None = None,
    enforce_notice: bool = True,
) -> Availability:
    """Free slots of `service` on the local dates [date_from, date_to] (inclusive).

    One query on PostgreSQL (_slots_sql_pg), three elsewhere (resources with their weekly hours
    and the supplier's, date exceptions, and bookings with busy blocks in one UNION ALL),
    whatever the range: the arithmetic runs in
    bookings.availability. `exclude_booking_id` leaves one booking out (rescheduling it must
    not collide with itself); `enforce_notice=False` is the supplier's side, which the booking
    service lets book inside the minimum notice.
    """
    now = now or timezone.now()
    tz = supplier_time_zone(service.supplier)
    # Only today .. the horizon can hold slots: clamping first also keeps year-1 or year-9999
    # requests away from date arithmetic that would overflow.
    today = now.astimezone(tz).date()
    date_from = max(date_from, today)
    date_to = min(date_to, today + timedelta(days=service.booking_horizon_days))
    # One answer, two ways to read it: the ORM queries are the reference (and what SQLite runs);
    # PostgreSQL reads the same rows in one prebuilt statement. bookings/tests/
    # test_slot_reads.py holds the two to the same answer.
    on_postgres = connections[Booking.objects.db].vendor == "postgresql"
    read = _slot_rows_pg if on_postgres else _slot_rows_orm
    rows = read(
        _SlotQuery(
            service=service,
            date_from=date_from,
            date_to=date_to,
            resource=resource,
            now=now,
            tz=tz,
            exclude_booking_id=exclude_booking_id,
        )
    )
    if not rows.resources or date_to < date_from:
        return Availability(free=NO_FREE_SLOTS, resources=rows.resources, time_zone=tz)
    ids = list(rows.resources)
    rules = slot_rules_for(service)
    if not enforce_notice:
        rules = replace(rules, minimum_notice=0)
    free = free_slot_table(
        resource_ids=ids,
        date_from=date_from,
        date_to=date_to,
        tz=tz,
        rules=rules,
        now=now,
        weekly_hours=rows.weekly,
        overrides=_with_public_holidays(
            rows.exceptions,
            supplier=service.supplier,
            resource_ids=ids,
            date_from=date_from,
            date_to=date_to,
        ),
        busy=rows.busy,
    )
    return Availability(free=free, resources=rows.resources, time_zone=tz)


class _SlotRows(NamedTuple):
    """What the slot engine needs from the database (date exceptions without the holidays)."""

    resources: dict[int, str]
    weekly: list[WeeklyHours]
    exceptions: list[DateOverride]
    busy: dict[int, list[tuple[int, int]]]


class _SlotQuery(NamedTuple):
    """What both slot-row readers are asked: one service's local dates, clamped by the caller."""

    service: Service
    date_from: date
    date_to: date
    resource: Resource | None
    now: datetime
    tz: ZoneInfo
    exclude_booking_id: int | None

    def busy_range(self) -> tuple[datetime, datetime]:
        """Bookings and busy blocks to read: a day's padding either side covers buffers and
        any UTC offset."""
        return (
            datetime.combine(self.date_from - timedelta(days=1), time.min, tzinfo=self.tz),
            datetime.combine(self.date_to + timedelta(days=2), time.min, tzinfo=self.tz),
        )


def _slot_rows_orm(query: _SlotQuery) -> _SlotRows:
    """The slot engine's rows through the ORM: resources with their weekly hours and the
    supplier's, date exceptions, and bookings with busy blocks in one UNION ALL (three
    queries; one when nothing can be free)."""
    service, date_from, date_to = query.service, query.date_from, query.date_to
    resources_qs = service.resources.filter(is_active=True).order_by("sort_order", "name")
    if query.resource is not None:
        resources_qs = resources_qs.filter(pk=query.resource.pk)
    # The resources with their own weekly hours, and the supplier's week (id NULL) that those
    # without hours inherit, in one query. A resource without hours still comes back once,
    # with NULL hours: it is listed, and follows the supplier's week.
    resources: dict[int, str] = {}
    weekly: list[WeeklyHours] = []
    rows = resources_qs.values_list(
        "id",
        "name",
        "opening_hours__weekday",
        "opening_hours__start_time",
        "opening_hours__end_time",
    ).order_by()
    supplier_rows = _supplier_hours_rows(service.supplier_id, Value("", output_field=CharField()))
    for rid, name, weekday, start, end in rows.union(supplier_rows, all=True):
        if rid is not None:
            resources[rid] = name
        if weekday is not None:
            weekly.append(WeeklyHours(resource_id=rid, weekday=weekday, start=start, end=end))
    if not resources or date_to < date_from:
        return _SlotRows(resources, weekly, [], {})
    ids = list(resources)
    range_start, range_end = query.busy_range()

    exceptions = date_exceptions_of(
        supplier_id=service.supplier_id, resource_ids=ids, date_from=date_from, date_to=date_to
    )
    busy: dict[int, list[tuple[int, int]]] = {rid: [] for rid in ids}
    bookings = blocking_bookings(now=query.now).filter(
        resource_id__in=ids, blocked_start__lt=range_end, blocked_end__gt=range_start
    )
    if query.exclude_booking_id is not None:
        bookings = bookings.exclude(pk=query.exclude_booking_id)
    blocks = BusyBlock.objects.filter(
        resource_id__in=ids, start__lt=range_end, end__gt=range_start
    ).order_by()
    vendor = connections[bookings.db].vendor
    bookings = bookings.values_list(
        "resource_id",
        _epoch("blocked_start", vendor=vendor),
        _epoch("blocked_end", vendor=vendor, round_up=True),
    )
    blocks = blocks.values_list(
        "resource_id",
        _epoch("start", vendor=vendor),
        _epoch("end", vendor=vendor, round_up=True),
    )
    # Bookings' blocked intervals and busy blocks are the same thing to the engine: one query.
    intervals = bookings.order_by().union(blocks, all=True)
    for rid, start, end in _fetch_raw(intervals):
        busy[rid].append((start, end))

    return _SlotRows(resources, weekly, exceptions, busy)


@functools.cache
def _slots_sql_pg() -> str:
    """The slots API's reads in one PostgreSQL statement, built once per process.

    Why: building and compiling the three ORM queries cost more CPU than the slot arithmetic,
    and each round trip costs a little more. Rows are tagged: 0 a resource (with one of its
    weekly intervals, or NULLs), 1 the supplier's weekly interval, 2 a date exception, 3 a
    resource's busy intervals (bookings' blocked intervals and busy blocks) as whole POSIX
    seconds, rounded outward as _epoch does, in one "start,end,start,end,..." text sorted by
    start: one row per resource is much cheaper to read than one per interval. The ORM path
    below (other databases) is the reference semantics.
    """
    resource = Resource._meta.db_table
    through = Service.resources.through._meta.db_table
    # Only model table names are interpolated; every value is a bound parameter.
    return f"""
WITH res AS (
    SELECT r.id, r.name FROM {resource} r JOIN {through} sr ON sr.resource_id = r.id
    WHERE sr.service_id = %(service)s AND r.is_active
      AND (%(resource)s::bigint IS NULL OR r.id = %(resource)s::bigint)
)
SELECT 0, res.id, res.name, oh.weekday, oh.start_time, oh.end_time, NULL::date, NULL::boolean
FROM res LEFT JOIN {OpeningHours._meta.db_table} oh ON oh.resource_id = res.id
UNION ALL
SELECT 1, NULL, NULL, weekday, start_time, end_time, NULL, NULL
FROM {SupplierOpeningHours._meta.db_table} WHERE supplier_id = %(supplier)s
UNION ALL
SELECT 2, resource_id, NULL, NULL, start_time, end_time, date, is_closed
FROM {DateException._meta.db_table}
WHERE supplier_id = %(supplier)s AND date >= %(date_from)s AND date <= %(date_to)s
  AND (resource_id IS NULL OR resource_id IN (SELECT id FROM res))
UNION ALL
SELECT 3, resource_id, string_agg(busy_start || ',' || busy_end, ',' ORDER BY busy_start),
       NULL, NULL, NULL, NULL, NULL
FROM (
    SELECT resource_id, FLOOR(EXTRACT(EPOCH FROM blocked_start))::bigint AS busy_start,
           CEIL(EXTRACT(EPOCH FROM blocked_end))::bigint AS busy_end
    FROM {Booking._meta.db_table}
    WHERE resource_id IN (SELECT id FROM res)
      AND blocked_start < %(range_end)s AND blocked_end > %(range_start)s
      AND (status = %(confirmed)s OR status = %(pending)s
           AND (hold_expires_at IS NULL OR hold_expires_at > %(now)s))
      AND (%(exclude)s::bigint IS NULL OR id <> %(exclude)s::bigint)
    UNION ALL
    SELECT resource_id, FLOOR(EXTRACT(EPOCH FROM start))::bigint,
           CEIL(EXTRACT(EPOCH FROM "end"))::bigint
    FROM {BusyBlock._meta.db_table}
    WHERE resource_id IN (SELECT id FROM res)
      AND start < %(range_end)s AND "end" > %(range_start)s
) busy
GROUP BY resource_id
"""  # noqa: S608


def _slot_rows_pg(query: _SlotQuery) -> _SlotRows:
    """The slot engine's rows on PostgreSQL: the same rows from one query (see _slots_sql_pg)."""
    range_start, range_end = query.busy_range()
    params = {
        "service": query.service.pk,
        "resource": None if query.resource is None else query.resource.pk,
        "supplier": query.service.supplier_id,
        "date_from": query.date_from,
        "date_to": query.date_to,
        "range_start": range_start,
        "range_end": range_end,
        "confirmed": Booking.Status.CONFIRMED.value,
        "pending": Booking.Status.PENDING_PAYMENT.value,
        "now": query.now,
        "exclude": query.exclude_booking_id,
    }
    with connections[Booking.objects.db].cursor() as cursor:
        cursor.execute(_slots_sql_pg(), params)
        rows = cursor.fetchall()
    resources: dict[int, str] = {}
    weekly: list[WeeklyHours] = []
    overrides: list[DateOverride] = []
    busy: dict[int, list[tuple[int, int]]] = {}
    for tag, rid, name, weekday, start, end, day, closed in rows:
        if tag == 3:
            seconds = iter(map(int, name.split(",")))
            busy[rid] = list(zip(seconds, seconds, strict=True))
        elif tag == 0:
            resources[rid] = name
            if weekday is not None:
                weekly.append(WeeklyHours(resource_id=rid, weekday=weekday, start=start, end=end))
        elif tag == 1:
            weekly.append(WeeklyHours(resource_id=None, weekday=weekday, start=start, end=end))
        else:
            overrides.append(
                DateOverride(date=day, resource_id=rid, is_closed=closed, start=start, end=end)
            )
    return _SlotRows(resources, weekly, overrides, busy)


# The first free slot is looked for a month at a time: one call of the engine (three queries)
# answers for most suppliers; one with nothing free soon costs a call per month to the horizon.
FIRST_FREE_CHUNK_DAYS = 31


def first_free_slot(
    *,
    service: Service,
    resource: Resource | None = None,
    date_from: date | None = None,
    now: datetime | None = None,
    exclude_booking_id: int | None = None,
) -> datetime | None:
    """The earliest free start (UTC) of `service` from local `date_from` (default today) to the
    booking horizon, with `resource` or anyone; None when nothing is free."""
    now = now or timezone.now()
    today = now.astimezone(supplier_time_zone(service.supplier)).date()
    last = today + timedelta(days=service.booking_horizon_days)
    day = max(date_from or today, today)
    while day <= last:
        chunk_end = min(day + timedelta(days=FIRST_FREE_CHUNK_DAYS - 1), last)
        free = slots_for_service(
            service=service,
            date_from=day,
            date_to=chunk_end,
            resource=resource,
            now=now,
            exclude_booking_id=exclude_booking_id,
        ).free
        if free.starts:  # sorted by start: the first is the earliest
            return datetime.fromtimestamp(free.starts[0], tz=UTC)
        day = chunk_end + timedelta(days=1)
    return None


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


def cancellation_deadline_for(*, supplier: Supplier, start: datetime) -> datetime:
    """The last moment a customer may cancel or move a booking starting at `start` online."""
    return start - timedelta(hours=supplier.cancellation_deadline_hours)


def booking_cancellation_deadline(booking: Booking) -> datetime:
    return cancellation_deadline_for(supplier=booking.supplier, start=booking.start)


def booking_can_be_changed_by_customer(booking: Booking, *, now: datetime | None = None) -> bool:
    """Open for cancel/reschedule by the customer: holds time and the deadline has not passed."""
    now = now or timezone.now()
    return booking.status in Booking.BLOCKING_STATUSES and now <= booking_cancellation_deadline(
        booking
    )


def booking_payment_url(booking: Booking, request=None) -> str | None:
    """Where the customer pays for a pending booking; None when nothing is to be paid.

    The payments app decides (its providers and settings) through the hook it installs at
    startup; the API's `payment_url` and the confirmation page both read it from here. With
    `request` the link stays on the host the customer is using (their session is there);
    without it, SITE_URL.
    """
    return payment_url_hook.url(booking, request)


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


# The admin calendar's feed answers at most this many days at once (a week view asks for 7).
CALENDAR_MAX_DAYS = 42


@dataclass(frozen=True)
class CalendarEntry:
    """One box on the admin calendar: a booking (kind "booking") or a busy block ("block")."""

    kind: str
    pk: int
    resource_id: int
    start: datetime
    end: datetime
    title: str
    phone: str = ""
    service: str = ""
    reference: str = ""
    status: str = ""
    status_label: str = ""


def calendar_events_for(
    *, resources: QuerySet[Resource], start: datetime, end: datetime
) -> list[CalendarEntry]:
    """Bookings (all but cancelled) and busy blocks on `resources` overlapping [start, end).

    `resources` must already be scoped to the viewer (bookings.admin.scoping.scope_queryset):
    nothing on any other resource is read. Two queries whatever the number of rows.
    """
    bookings = (
        Booking.objects.filter(resource__in=resources, start__lt=end, end__gt=start)
        .exclude(status=Booking.Status.CANCELLED)
        .select_related("service", "customer")
        .order_by("start", "pk")
    )
    entries = []
    for booking in bookings:
        customer = booking.customer
        # A phone number is kept as E.164; "+47 91 23 45 67" is how staff read it back.
        phone = customer.phone.as_international if customer and customer.phone else ""
        entries.append(
            CalendarEntry(
                kind="booking",
                pk=booking.pk,
                resource_id=booking.resource_id,
                start=booking.start,
                end=booking.end,
                title=(customer.full_name if customer else "") or _("(no name)"),
                phone=phone,
                service=booking.service.name,
                reference=booking.reference,
                status=booking.status,
                status_label=booking.get_status_display(),
            )
        )
    blocks = BusyBlock.objects.filter(resource__in=resources, start__lt=end, end__gt=start)
    for block in blocks.order_by("start", "pk"):
        entries.append(
            CalendarEntry(
                kind="block",
                pk=block.pk,
                resource_id=block.resource_id,
                start=block.start,
                end=block.end,
                title=block.note or block.get_source_display(),
                status="blocked",
                status_label=_("Blocked"),
            )
        )
    return sorted(entries, key=lambda entry: (entry.start, entry.kind, entry.pk))


def opening_hours_by_day(
    *, supplier: Supplier, resource_ids: list[int], date_from: date, date_to: date
) -> dict[tuple[int, date], list[tuple[time, time]]]:
    """Each resource's opening intervals (local wall-clock time) on each local date from
    `date_from` to `date_to` inclusive: what the admin calendar shades as open.

    Read as the slot engine reads them (availability.free_slot_table): a resource's own weekly
    hours, else the supplier's; date exceptions and closed public holidays on top. Two queries.
    """
    weeks = merged_weeks(weekly_hours_of(supplier_id=supplier.pk, resource_ids=resource_ids))
    by_date: dict[date, list[DateOverride]] = defaultdict(list)
    for row in date_overrides_of(
        supplier=supplier, resource_ids=resource_ids, date_from=date_from, date_to=date_to
    ):
        by_date[row.date].append(row)
    days = [date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    return {
        (resource_id, day): opening_wall_clock(
            resource_id=resource_id,
            day=day,
            weekly=week_of(weeks, resource_id),
            overrides=by_date,
        )
        for resource_id in resource_ids
        for day in days
    }
