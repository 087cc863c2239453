"""Writes for bookings: create, confirm payment, cancel, reschedule, finish, block time.

Never a double booking: on PostgreSQL an exclusion constraint (migration 0002) rejects any
overlapping blocked interval of a pending/confirmed booking on the same resource; on SQLite
every write transaction is IMMEDIATE (serialised), and the overlap check below runs inside it.
Domain events (bookings.signals) are sent inside the transaction, so receivers' outbox rows
commit or roll back with the booking.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import sees_every_supplier, staff_supplier_id

from . import signals
from .availability import free_slots
from .exceptions import (
    CancellationDeadlinePassed,
    IdempotencyKeyReused,
    InvalidBooking,
    InvalidStatusTransition,
    SlotUnavailable,
)
from .models import Booking, BusyBlock, Resource, Service
from .selectors import (
    booking_cancellation_deadline,
    booking_for_idempotency_key,
    date_overrides_of,
    slot_rules_for,
    supplier_time_zone,
    weekly_hours_of,
)

logger = logging.getLogger(__name__)

OVERLAP_CONSTRAINT = "bookings_booking_no_overlap"


def hold_minutes() -> int:
    return int(getattr(settings, "BOOKING_HOLD_MINUTES", 15))


def booking_fingerprint(
    *, service: Service, start: datetime, resource: Resource | None, notes: str
) -> str:
    """What identifies a create request, to tell a replay from a different body."""
    raw = "|".join(
        [
            str(service.pk),
            start.astimezone(UTC).isoformat(),
            str(resource.pk if resource else ""),
            notes,
        ]
    )
    return hashlib.sha256(raw.encode()).hexdigest()


def booking_lock(booking: Booking) -> Booking:
    """`booking` re-read and locked for the rest of the transaction (its supplier and service
    read with it, but not locked: a new booking of the supplier must not wait for this one)."""
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("supplier", "service")
        .get(pk=booking.pk)
    )


def _overlapping(qs: QuerySet, start: datetime, end: datetime) -> QuerySet:
    return qs.filter(blocked_start__lt=end, blocked_end__gt=start)


def _expire_holds(holds: QuerySet[Booking], *, now: datetime) -> int:
    """Cancel pending bookings whose payment hold has run out; sends booking_cancelled each."""
    expired = 0
    for booking in (
        holds.filter(status=Booking.Status.PENDING_PAYMENT, hold_expires_at__lte=now)
        .order_by("pk")
        .select_for_update()
    ):
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.cancelled_by = Booking.CancelledBy.SYSTEM
        booking.cancellation_reason = "payment hold expired"
        booking.save(
            update_fields=[
                "status",
                "cancelled_at",
                "cancelled_by",
                "cancellation_reason",
                "updated_at",
            ]
        )
        signals.booking_cancelled.send(
            sender=Booking, booking=booking, by_supplier=False, within_deadline=True
        )
        expired += 1
    return expired


def booking_expire_holds(*, now: datetime | None = None) -> int:
    """Cancel every expired payment hold (the periodic task). Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        return _expire_holds(Booking.objects.all(), now=now)


# Far outside any booking horizon: refused before any time-zone arithmetic can overflow.
FARTHEST_PAST = timedelta(days=365 * 100)
FARTHEST_AHEAD = timedelta(days=365 * 100)


def checked_start(start: datetime, *, now: datetime) -> datetime:
    """`start` as a UTC instant, or InvalidBooking for a naive or absurd value.

    UTC because Python never finds a time in the repeated autumn hour (fold=1 or not) equal
    to an instant in another zone (PEP 495): 02:30 on 2027-10-31 must match its slot.
    """
    if timezone.is_naive(start):
        raise InvalidBooking(_("The start time needs a time zone offset."), code="invalid_start")
    try:
        start = start.astimezone(UTC)
    except OverflowError:
        raise InvalidBooking(_("The time is in the past."), code="in_the_past") from None
    if start < now - FARTHEST_PAST:
        raise InvalidBooking(_("The time is in the past."), code="in_the_past")
    if start > now + FARTHEST_AHEAD:
        raise InvalidBooking(
            _("This time is too far ahead to be booked yet."), code="beyond_horizon"
        )
    return start


def _validate_time(
    *,
    service: Service,
    start: datetime,
    resources: list[Resource],
    now: datetime,
    enforce_notice: bool,
) -> None:
    """400-type checks: is `start` a time the service offers at all (ignoring other bookings)?"""
    start = checked_start(start, now=now)
    if start <= now:
        raise InvalidBooking(_("The time is in the past."), code="in_the_past")
    if enforce_notice and start < now + timedelta(minutes=service.minimum_notice_minutes):
        raise InvalidBooking(
            _("This time is too soon: the supplier needs more notice."), code="too_short_notice"
        )
    tz = supplier_time_zone(service.supplier)
    day = start.astimezone(tz).date()
    if day > now.astimezone(tz).date() + timedelta(days=service.booking_horizon_days):
        raise InvalidBooking(
            _("This time is too far ahead to be booked yet."), code="beyond_horizon"
        )
    rules = slot_rules_for(service)
    if not enforce_notice:
        rules = replace(rules, minimum_notice=0)
    ids = [resource.pk for resource in resources]
    offered = free_slots(
        resource_ids=ids,
        date_from=day,
        date_to=day,
        tz=tz,
        rules=rules,
        now=now,
        weekly_hours=weekly_hours_of(supplier_id=service.supplier_id, resource_ids=ids),
        overrides=date_overrides_of(
            supplier=service.supplier, resource_ids=ids, date_from=day, date_to=day
        ),
    )
    if not any(slot.start == start for slot in offered):
        raise InvalidBooking(
            _("The service is not offered at this time (outside opening hours)."),
            code="outside_opening_hours",
        )


def _candidate_resources(service: Service, resource: Resource | None) -> list[Resource]:
    active = list(service.resources.filter(is_active=True).order_by("sort_order", "name"))
    if resource is None:
        if not active:
            raise InvalidBooking(_("Nobody performs this service yet."), code="invalid_resource")
        return active
    if resource.pk not in {candidate.pk for candidate in active}:
        raise InvalidBooking(
            _("This resource does not perform the chosen service."), code="invalid_resource"
        )
    return [resource]


def _blocked_interval(service: Service, start: datetime) -> tuple[datetime, datetime, datetime]:
    end = start + timedelta(minutes=service.duration_minutes)
    return (
        end,
        start - timedelta(minutes=service.buffer_before_minutes),
        end + timedelta(minutes=service.buffer_after_minutes),
    )


def _busy_rows(
    ids: list[int], blocked_start: datetime, blocked_end: datetime, *, now: datetime
) -> list[tuple[int, bool | None, int | None]]:
    """(resource id, expired payment hold?, booking id or None for a busy block) of every
    blocking booking and busy block of `ids` overlapping the interval: one statement.

    Plain SQL because it runs on every booking and the ORM spent about as long building this
    UNION as the database spent answering it; same statement on PostgreSQL and SQLite.
    """
    if not ids:
        return []
    ops = connection.ops
    quote = ops.quote_name
    marks = ", ".join(["%s"] * len(ids))
    # Only placeholders and quoted model table/column names are interpolated; values are params.
    sql = (
        f"SELECT resource_id, (status = %s AND hold_expires_at <= %s), id"  # noqa: S608
        f" FROM {quote(Booking._meta.db_table)}"
        f" WHERE resource_id IN ({marks}) AND blocked_start < %s AND blocked_end > %s"
        f" AND status IN ({', '.join(['%s'] * len(Booking.BLOCKING_STATUSES))})"
        f" UNION ALL SELECT resource_id, FALSE, NULL FROM {quote(BusyBlock._meta.db_table)}"
        f" WHERE resource_id IN ({marks}) AND {quote('start')} < %s AND {quote('end')} > %s"
    )
    params = [
        Booking.Status.PENDING_PAYMENT,
        ops.adapt_datetimefield_value(now),
        *ids,
        ops.adapt_datetimefield_value(blocked_end),
        ops.adapt_datetimefield_value(blocked_start),
        *(str(status) for status in Booking.BLOCKING_STATUSES),
        *ids,
        ops.adapt_datetimefield_value(blocked_end),
        ops.adapt_datetimefield_value(blocked_start),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(resource_id, expired, booking_id) for resource_id, expired, booking_id in cursor]


def _free_resource(
    *,
    service: Service,
    start: datetime,
    candidates: list[Resource],
    now: datetime,
    exclude_booking_id: int | None = None,
) -> Resource:
    """First candidate whose blocked interval is free right now (call inside the transaction)."""
    _end, blocked_start, blocked_end = _blocked_interval(service, start)
    ids = [resource.pk for resource in candidates]
    overlapping = _overlapping(
        Booking.objects.filter(resource_id__in=ids), blocked_start, blocked_end
    )
    rows = _busy_rows(ids, blocked_start, blocked_end, now=now)
    if not any(expired for _resource_id, expired, _booking_id in rows):
        taken = {
            resource_id
            for resource_id, _expired, booking_id in rows
            if booking_id is None or booking_id != exclude_booking_id
        }
        for resource in candidates:
            if resource.pk not in taken:
                return resource
        raise SlotUnavailable()
    # Expired payment holds must not block: cancel the overlapping ones first, in this
    # transaction, or the exclusion constraint would still see them.
    _expire_holds(overlapping, now=now)
    taken = set(
        _overlapping(
            Booking.objects.filter(resource_id__in=ids, status__in=Booking.BLOCKING_STATUSES),
            blocked_start,
            blocked_end,
        )
        .exclude(pk=exclude_booking_id)
        .values_list("resource_id", flat=True)
    )
    taken |= set(
        BusyBlock.objects.filter(
            resource_id__in=ids, start__lt=blocked_end, end__gt=blocked_start
        ).values_list("resource_id", flat=True)
    )
    for resource in candidates:
        if resource.pk not in taken:
            return resource
    raise SlotUnavailable()


def _is_constraint(exc: IntegrityError, name: str) -> bool:
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    constraint = getattr(diag, "constraint_name", None) or ""
    return name == constraint or name in str(exc)


def booking_create(
    *,
    customer,
    service: Service,
    start: datetime,
    resource: Resource | None = None,
    notes: str = "",
    idempotency_key: str = "",
    created_by=None,
) -> Booking:
    """Book `service` at `start` for `customer`; returns the booking.

    Preconditions: `customer` is an authenticated user; `start` is timezone-aware.
    `created_by` is the supplier staff member entering a phone booking: minimum notice is not
    enforced and the booking is confirmed at once (paid at the venue). Otherwise a service that
    needs payment gives a `pending_payment` booking holding the slot for BOOKING_HOLD_MINUTES,
    and booking_confirmed is sent only when payment succeeds (booking_confirm_payment).
    With `idempotency_key`, the same key and body return the earlier booking; the same key
    with a different body raises IdempotencyKeyReused.
    Raises InvalidBooking (400), SlotUnavailable (409). Writes nothing on error.
    """
    notes = (notes or "").strip()
    if len(notes) > 2000:
        raise InvalidBooking(_("The notes are too long (at most 2000 characters)."))
    now = timezone.now()
    start = checked_start(start, now=now)
    fingerprint = booking_fingerprint(service=service, start=start, resource=resource, notes=notes)
    if earlier := booking_for_idempotency_key(customer=customer, key=idempotency_key):
        return _replay(earlier, fingerprint)
    if not service.is_active or not service.supplier.is_active:
        raise InvalidBooking(_("This service cannot be booked."), code="service_inactive")
    candidates = _candidate_resources(service, resource)
    by_staff = created_by is not None
    _validate_time(
        service=service, start=start, resources=candidates, now=now, enforce_notice=not by_staff
    )
    end, blocked_start, blocked_end = _blocked_interval(service, start)
    pending = service.payment_required and not by_staff
    try:
        with transaction.atomic():
            # Inside the (on SQLite serialised) transaction: a duplicate that waited for the
            # first request's commit finds its booking here instead of a taken slot.
            if earlier := booking_for_idempotency_key(customer=customer, key=idempotency_key):
                return _replay(earlier, fingerprint)
            chosen = _free_resource(service=service, start=start, candidates=candidates, now=now)
            booking = Booking.objects.create(
                customer=customer,
                supplier=service.supplier,
                service=service,
                resource=chosen,
                start=start,
                end=end,
                blocked_start=blocked_start,
                blocked_end=blocked_end,
                status=Booking.Status.PENDING_PAYMENT if pending else Booking.Status.CONFIRMED,
                price_ore=service.price_ore,
                vat_rate=service.vat_rate,
                customer_notes=notes,
                language=getattr(customer, "preferred_language", "") or "nb",
                hold_expires_at=now + timedelta(minutes=hold_minutes()) if pending else None,
                idempotency_key=idempotency_key,
                idempotency_fingerprint=fingerprint if idempotency_key else "",
                created_by=created_by,
                confirmed_at=None if pending else now,
            )
            if not pending:
                signals.booking_confirmed.send(sender=Booking, booking=booking, created=True)
    except (IntegrityError, SlotUnavailable) as exc:
        # A concurrent request with the same key won the race (PostgreSQL: its row became
        # visible only as this insert hit the unique or exclusion constraint): replay it.
        if earlier := booking_for_idempotency_key(customer=customer, key=idempotency_key):
            return _replay(earlier, fingerprint)
        if isinstance(exc, IntegrityError) and _is_constraint(exc, OVERLAP_CONSTRAINT):
            raise SlotUnavailable() from exc
        raise
    logger.info(
        "booking created",
        extra={"booking": booking.reference, "status": booking.status, "by_staff": by_staff},
    )
    return booking


def _replay(earlier: Booking, fingerprint: str) -> Booking:
    if earlier.idempotency_fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    earlier.idempotent_replay = True
    return earlier


def booking_confirm_payment(*, booking: Booking) -> Booking:
    """pending_payment -> confirmed after a successful payment; sends booking_confirmed.

    Idempotent (an already confirmed booking is returned unchanged). If the hold expired and
    the booking was released, it is revived when the time is still free; otherwise raises
    SlotUnavailable (the payments app then refunds). A booking the customer or supplier
    cancelled raises InvalidStatusTransition.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            booking = booking_lock(booking)
            if booking.status == Booking.Status.CONFIRMED:
                return booking
            released = (
                booking.status == Booking.Status.CANCELLED
                and booking.cancelled_by == Booking.CancelledBy.SYSTEM
            )
            if booking.status != Booking.Status.PENDING_PAYMENT and not released:
                raise InvalidStatusTransition()
            # The hold ran out (expired or released): the time must still be free.
            if released or (booking.hold_expires_at and booking.hold_expires_at <= now):
                _free_resource(
                    service=booking.service,
                    start=booking.start,
                    candidates=[booking.resource],
                    now=now,
                    exclude_booking_id=booking.pk,
                )
            booking.status = Booking.Status.CONFIRMED
            booking.confirmed_at = now
            booking.hold_expires_at = None
            booking.cancelled_at = None
            booking.cancelled_by = ""
            booking.cancellation_reason = ""
            booking.save()
            signals.booking_confirmed.send(sender=Booking, booking=booking)
    except IntegrityError as exc:
        if _is_constraint(exc, OVERLAP_CONSTRAINT):
            raise SlotUnavailable() from exc
        raise
    return booking


def booking_confirm(*, booking: Booking, by_user) -> Booking:
    """The supplier confirms a pending booking by hand (e.g. paid at the venue)."""
    return booking_confirm_payment(booking=booking)


def booking_cancel(*, booking: Booking, by_user, by_supplier: bool, reason: str = "") -> Booking:
    """Cancel a pending or confirmed booking; sends booking_cancelled.

    A customer (by_supplier=False) may cancel only their own booking and only before the
    supplier's cancellation deadline (CancellationDeadlinePassed); the supplier may always.
    """
    now = timezone.now()
    with transaction.atomic():
        booking = booking_lock(booking)
        if booking.status not in Booking.BLOCKING_STATUSES:
            raise InvalidStatusTransition(_("This booking is not active any more."))
        if not by_supplier and booking.customer_id != getattr(by_user, "pk", None):
            raise InvalidBooking(_("This is not your booking."), code="not_found")
        within_deadline = now <= booking_cancellation_deadline(booking)
        if not by_supplier and not within_deadline:
            raise CancellationDeadlinePassed()
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.cancelled_by = (
            Booking.CancelledBy.SUPPLIER if by_supplier else Booking.CancelledBy.CUSTOMER
        )
        booking.cancelled_by_user = by_user
        booking.cancellation_reason = (reason or "").strip()[:500]
        booking.hold_expires_at = None
        booking.save()
        signals.booking_cancelled.send(
            sender=Booking,
            booking=booking,
            by_supplier=by_supplier,
            within_deadline=within_deadline,
        )
    return booking


def booking_reschedule(
    *,
    booking: Booking,
    start: datetime,
    resource: Resource | None = None,
    by_user,
    by_supplier: bool | None = None,
) -> Booking:
    """Move a pending or confirmed booking to `start` (and optionally another resource).

    The customer may reschedule only before the cancellation deadline; the supplier's side
    (its staff, superusers and Administrators: accounts.roles) always. `by_supplier=None`
    works the side out from `by_user`; the admin passes True after scoping the booking.
    The supplier side skips only the deadline and minimum notice; opening hours, the past
    and conflicts still apply. Sends booking_rescheduled. Raises InvalidBooking,
    SlotUnavailable, InvalidStatusTransition, CancellationDeadlinePassed.
    """
    now = timezone.now()
    if by_supplier is None:
        by_supplier = _is_supplier_side(by_user, booking)
    if not by_supplier and booking.customer_id != getattr(by_user, "pk", None):
        raise InvalidBooking(_("This is not your booking."), code="not_found")
    start = checked_start(start, now=now)
    service = booking.service
    candidates = _candidate_resources(service, resource)
    _validate_time(
        service=service, start=start, resources=candidates, now=now, enforce_notice=not by_supplier
    )
    end, blocked_start, blocked_end = _blocked_interval(service, start)
    try:
        with transaction.atomic():
            booking = booking_lock(booking)
            if booking.status not in Booking.BLOCKING_STATUSES:
                raise InvalidStatusTransition(_("This booking is not active any more."))
            if not by_supplier and now > booking_cancellation_deadline(booking):
                raise CancellationDeadlinePassed(
                    _("The deadline for changes has passed. Please contact the supplier.")
                )
            if resource is None and booking.resource in candidates:
                # Prefer keeping the same person/room when they are free.
                candidates = [booking.resource] + [c for c in candidates if c != booking.resource]
            chosen = _free_resource(
                service=service,
                start=start,
                candidates=candidates,
                now=now,
                exclude_booking_id=booking.pk,
            )
            previous_start, previous_resource = booking.start, booking.resource
            booking.start, booking.end, booking.resource = start, end, chosen
            booking.blocked_start, booking.blocked_end = blocked_start, blocked_end
            booking.save()
            signals.booking_rescheduled.send(
                sender=Booking,
                booking=booking,
                previous_start=previous_start,
                previous_resource=previous_resource,
            )
    except IntegrityError as exc:
        if _is_constraint(exc, OVERLAP_CONSTRAINT):
            raise SlotUnavailable() from exc
        raise
    return booking


def _is_supplier_side(user, booking: Booking) -> bool:
    if user is None:
        return False
    return sees_every_supplier(user) or staff_supplier_id(user) == booking.supplier_id


def _finish(booking: Booking, status: str) -> Booking:
    with transaction.atomic():
        booking = booking_lock(booking)
        if booking.status == status:
            return booking
        if booking.status != Booking.Status.CONFIRMED:
            raise InvalidStatusTransition(_("Only confirmed bookings can be marked."))
        if booking.start > timezone.now():
            raise InvalidStatusTransition(_("The appointment has not started yet."))
        booking.status = status
        booking.save(update_fields=["status", "updated_at"])
    return booking


def booking_mark_no_show(*, booking: Booking, by_user) -> Booking:
    """Confirmed booking whose start has passed -> no_show. Idempotent."""
    return _finish(booking, Booking.Status.NO_SHOW)


def booking_mark_completed(*, booking: Booking, by_user) -> Booking:
    """Confirmed booking whose start has passed -> completed. Idempotent."""
    return _finish(booking, Booking.Status.COMPLETED)


def booking_create_with_sms_choice(
    *, customer, sms_notifications: bool, request=None, **booking_kwargs
) -> Booking:
    """The website's booking: the customer's SMS choice and the booking commit together.

    Consent is written first, in the same transaction, because the confirmation SMS is sent
    after commit and checks consent then; recorded afterwards, the first SMS would be
    suppressed. A refused booking rolls the choice back with it.
    """
    from privacy.purposes import Purpose
    from privacy.services import consent_set

    with transaction.atomic():
        if sms_notifications:
            consent_set(
                subject=customer,
                purpose=Purpose.SMS_NOTIFICATIONS,
                granted=True,
                source="web",
                request=request,
            )
        return booking_create(customer=customer, **booking_kwargs)


def booking_create_by_phone(
    *,
    staff_user,
    customer_name: str,
    customer_phone=None,
    customer_email: str = "",
    service: Service,
    start: datetime,
    resource: Resource | None = None,
    notes: str = "",
) -> Booking:
    """Supplier staff enter a booking taken by phone (confirmed; notice not enforced).

    The customer comes from what staff typed (accounts.services.customer_for_phone_booking):
    an existing account is never looked up for them, so nothing about another supplier's
    customer is revealed. A refused booking creates no customer record either.
    Precondition: `staff_user` works for the service's supplier (or sees every supplier).
    """
    from accounts.services import customer_for_phone_booking

    if not sees_every_supplier(staff_user) and staff_supplier_id(staff_user) != service.supplier_id:
        raise InvalidBooking(_("You can only book your own supplier's services."))
    with transaction.atomic():
        customer = customer_for_phone_booking(
            full_name=customer_name, phone=customer_phone, email=customer_email
        )
        return booking_create(
            customer=customer,
            service=service,
            start=start,
            resource=resource,
            notes=notes,
            created_by=staff_user,
        )


def busy_block_create(
    *, resource: Resource, start: datetime, end: datetime, note: str = "", by_user=None
) -> BusyBlock:
    """Block time on a resource (holiday, meeting). Refuses to cover an active booking."""
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise InvalidBooking(_("The times need a time zone."), code="invalid_start")
    if end <= start:
        raise InvalidBooking(_("The end must be after the start."), code="invalid_range")
    with transaction.atomic():
        now = timezone.now()
        _expire_holds(_overlapping(Booking.objects.filter(resource=resource), start, end), now=now)
        if _overlapping(
            Booking.objects.filter(resource=resource, status__in=Booking.BLOCKING_STATUSES),
            start,
            end,
        ).exists():
            raise SlotUnavailable(
                _("There are bookings in this period. Cancel or move them first.")
            )
        return BusyBlock.objects.create(
            resource=resource, start=start, end=end, note=note[:200], source=BusyBlock.Source.MANUAL
        )
