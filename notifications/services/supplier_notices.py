"""Notices to the supplier (the salon) about its bookings, and its daily agenda e-mail.

Every notice is an outbox row written through `messages_enqueue` in the transaction of the
booking event, so delivery, retries and idempotency are the outbox's. The recipients come from
the supplier's SupplierNoticeSettings, or, without a row, its contact e-mail and the defaults.
Booking notices name the customer (the salon needs to know who is coming); the erasure notice
names nobody. Times are the supplier's local time; amounts read `1 890,00 kr`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, Supplier
from bookingtjeneste.money import format_nok

from ..models import Message, SupplierNoticeSettings
from .outbox import messages_enqueue

NEW, MOVED, CANCELLED, ERASED = "new", "moved", "cancelled", "erased"
# The message kinds (template directories under templates/notifications/supplier/).
EVENT_TEMPLATES = {
    NEW: "supplier/booking_new",
    MOVED: "supplier/booking_moved",
    CANCELLED: "supplier/booking_cancelled",
    ERASED: "supplier/customer_erased",
}
AGENDA_TEMPLATE = "supplier/daily_agenda"
# Which setting switches each event on.
EVENT_SETTINGS = {NEW: "on_new", MOVED: "on_moved", CANCELLED: "on_cancelled", ERASED: "on_erased"}


# Every booking event reads the settings; cached, a booking costs no extra SQL statement
# (issue 14). Cleared when a row is saved or deleted (receivers.py) or erased (personal_data).
SETTINGS_CACHE_SECONDS = 10 * 60


def _settings_cache_key(supplier_id: int) -> str:
    return f"notifications:supplier-notice-settings:{supplier_id}"


def notice_settings_forget(*, supplier_id: int) -> None:
    """Drop the cached settings now and again after commit (a read racing the write)."""
    key = _settings_cache_key(supplier_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def notice_settings_for(supplier) -> SupplierNoticeSettings:
    """The supplier's settings, or an unsaved row with the defaults when it has none."""
    key = _settings_cache_key(supplier.pk)
    values = cache.get(key)
    if values is None:
        values = SupplierNoticeSettings.objects.filter(supplier_id=supplier.pk).values().first()
        values = values or {}  # {}: no row, the defaults apply
        cache.set(key, values, SETTINGS_CACHE_SECONDS)
    notice_settings = SupplierNoticeSettings(**values)
    notice_settings.supplier = supplier
    return notice_settings


def notice_email_addresses(notice_settings: SupplierNoticeSettings) -> list[str]:
    """The configured addresses, else the supplier's contact e-mail, else none."""
    addresses = notice_settings.email_list
    if not addresses and notice_settings.supplier.contact_email:
        addresses = [notice_settings.supplier.contact_email]
    return addresses


def _zone(supplier) -> ZoneInfo:
    return ZoneInfo(supplier.time_zone or settings.TIME_ZONE)


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    # Naive local values: the templates' date filters then print the supplier's wall clock.
    return moment.astimezone(zone).replace(tzinfo=None)


def _address_tag(address: str) -> str:
    # The idempotency key tells addresses apart without carrying them.
    return hashlib.sha256(address.lower().encode()).hexdigest()[:12]


def _kroner(amount_ore: int) -> str:
    """`1 890,00 kr` (no-break spaces). format_nok is gaining the unit itself; until every
    installation has that, add it only when missing, so it is never written twice."""
    text = format_nok(amount_ore)
    return text if text.endswith("kr") else f"{text}\u00a0kr"


def _customer_lines(customer) -> dict:
    """What the salon sees of the customer: name and phone, as on its calendar (no e-mail)."""
    if customer is None:
        return {"customer_name": "", "customer_phone": ""}
    return {
        "customer_name": customer.full_name,
        "customer_phone": str(customer.phone) if customer.phone else "",
    }


def _booking_context(booking, zone: ZoneInfo) -> dict:
    return {
        "supplier": booking.supplier,
        "service": booking.service,
        "resource": booking.resource,
        "reference": booking.reference,
        "start_local": _local(booking.start, zone),
        "end_local": _local(booking.end, zone),
        "price": _kroner(booking.price_ore),
        "by_phone": booking.created_by_id is not None,
        "admin_url": settings.SITE_URL
        + reverse("admin:bookings_booking_change", args=[booking.pk]),
        **_customer_lines(booking.customer),
    }


def _requests(
    *,
    notice_settings: SupplierNoticeSettings,
    template_key: str,
    key: str,
    context: dict,
    booking=None,
    sms: bool = True,
) -> list[dict]:
    """messages_enqueue requests: an e-mail to each address, an SMS to the number if set."""
    targets = [
        (Message.Channel.EMAIL, address) for address in notice_email_addresses(notice_settings)
    ]
    if sms and notice_settings.notice_phone:
        targets.append((Message.Channel.SMS, notice_settings.notice_phone))
    return [
        {
            "template_key": template_key,
            "channel": channel,
            "idempotency_key": f"{key}:{channel}:{_address_tag(address)}",
            "to_address": address,
            "language": notice_settings.language,
            "context": context,
            "booking": booking,
        }
        for channel, address in targets
    ]


def _version(booking) -> str:
    """The booking's start and last change: every move or cancellation gets its own key."""
    changed = booking.updated_at or booking.start
    return f"{booking.start:%Y%m%dT%H%M%z}:{changed.timestamp():.6f}"


def supplier_booking_notice_requests(*, booking, event: str, **extra) -> list[dict]:
    """The supplier's notices of one booking event (NEW, MOVED, CANCELLED), as
    messages_enqueue requests; [] when the supplier turned the event off or has no address.

    The caller writes them in the booking's transaction (one INSERT with the customer's own
    messages where it has some). `extra` goes into the template context (previous_start,
    previous_resource, by_supplier).
    """
    if event != NEW and booking.confirmed_at is None:
        return []  # never confirmed, so the supplier was never told of it
    notice_settings = notice_settings_for(booking.supplier)
    if not getattr(notice_settings, EVENT_SETTINGS[event]):
        return []
    zone = _zone(booking.supplier)
    context = _booking_context(booking, zone)
    if extra.get("previous_start") is not None:
        extra["previous_start_local"] = _local(extra.pop("previous_start"), zone)
    context.update(extra)
    suffix = "" if event == NEW else f":{_version(booking)}"
    return _requests(
        notice_settings=notice_settings,
        template_key=EVENT_TEMPLATES[event],
        key=f"supplier:booking:{booking.pk}:{event}{suffix}",
        context=context,
        booking=booking,
    )


def supplier_booking_notify(*, booking, event: str, **extra) -> None:
    """Write the supplier's notices of one booking event (call inside its transaction)."""
    requests = supplier_booking_notice_requests(booking=booking, event=event, **extra)
    if requests:
        messages_enqueue(requests)


def supplier_erasure_notify(*, bookings: Iterable, cancelled_ids: Iterable[int] = ()) -> int:
    """Tell each supplier that a customer's personal data was erased, naming nobody.

    `bookings` are the erased person's bookings (taken before the erasure unlinks them),
    `cancelled_ids` those the erasure cancelled. The notice lists the cancelled ones by time,
    service, staff and reference and counts the others; the rows carry no booking link, so
    nothing leads to the person.
    The suppliers' cancellation notices of those bookings, still queued in this transaction
    and naming the person, are suppressed. Call inside the erasure's transaction.
    Returns the number of outbox rows written.
    """
    now = timezone.now()
    cancelled_ids = set(cancelled_ids)
    by_supplier: dict[int, list] = {}
    for booking in bookings:
        by_supplier.setdefault(booking.supplier_id, []).append(booking)
    written = 0
    for supplier_bookings in by_supplier.values():
        Message.objects.filter(
            booking__in=[booking.pk for booking in supplier_bookings],
            template_key=EVENT_TEMPLATES[CANCELLED],
            status=Message.Status.QUEUED,
        ).update(
            status=Message.Status.SUPPRESSED,
            status_reason="customer_erased",
            claimed_until=None,
            updated_at=now,
        )
        supplier = supplier_bookings[0].supplier
        notice_settings = notice_settings_for(supplier)
        if not notice_settings.on_erased:
            continue
        zone = _zone(supplier)
        upcoming = sorted(
            (b for b in supplier_bookings if b.pk in cancelled_ids),
            key=lambda b: b.start,
        )
        ids = ",".join(str(pk) for pk in sorted(b.pk for b in supplier_bookings))
        context = {
            "supplier": supplier,
            "cancelled": [
                {
                    "start_local": _local(b.start, zone),
                    "end_local": _local(b.end, zone),
                    "service": b.service.name,
                    "resource": b.resource.name,
                    "reference": b.reference,
                }
                for b in upcoming
            ],
            "other_count": len(supplier_bookings) - len(upcoming),
        }
        requests = _requests(
            notice_settings=notice_settings,
            template_key=EVENT_TEMPLATES[ERASED],
            key=f"supplier:erased:{supplier.pk}:{hashlib.sha256(ids.encode()).hexdigest()[:24]}",
            context=context,
            sms=bool(upcoming),  # an SMS only when times were freed; the rest can wait for mail
        )
        if requests:
            written += sum(1 for row in messages_enqueue(requests) if row is not None)
    return written


# --- Daily agenda --------------------------------------------------------------------------------


def supplier_agenda_context(*, supplier, day: date) -> dict:
    """The day's bookings per staff member, in the supplier's local time, with totals."""
    zone = _zone(supplier)
    day_start = datetime.combine(day, time.min, tzinfo=zone)
    bookings = (
        Booking.objects.filter(
            supplier=supplier,
            start__gte=day_start,
            start__lt=day_start + timedelta(days=1),
            status__in=[*Booking.BLOCKING_STATUSES, Booking.Status.COMPLETED],
        )
        .select_related("customer", "service", "resource")
        .order_by("resource__sort_order", "resource__name", "resource_id", "start", "pk")
    )
    staff: list[dict] = []
    total_ore = 0
    for booking in bookings:
        if not staff or staff[-1]["resource"].pk != booking.resource_id:
            staff.append({"resource": booking.resource, "bookings": []})
        staff[-1]["bookings"].append(
            {
                "start_local": _local(booking.start, zone),
                "end_local": _local(booking.end, zone),
                "service": booking.service.name,
                "reference": booking.reference,
                "price": _kroner(booking.price_ore),
                "awaiting_payment": booking.status == Booking.Status.PENDING_PAYMENT,
                **_customer_lines(booking.customer),
            }
        )
        total_ore += booking.price_ore
    return {
        "supplier": supplier,
        "day": day,
        "staff": staff,
        "count": sum(len(entry["bookings"]) for entry in staff),
        "total": _kroner(total_ore),
    }


def agenda_idempotency_prefix(*, supplier_id: int, day: date) -> str:
    return f"supplier:agenda:{supplier_id}:{day.isoformat()}"


def supplier_agenda_enqueue(*, supplier_id: int, day: date) -> int:
    """Write the supplier's agenda e-mail for local date `day` to the outbox; idempotent per
    supplier and date (the outbox key), so a retried or repeated run writes nothing new.

    Nothing is written when the supplier is gone or inactive, the agenda is off, there is no
    address, or the day has no bookings. Returns the number of rows written.
    """
    supplier = Supplier.objects.filter(pk=supplier_id, is_active=True).first()
    if supplier is None:
        return 0
    notice_settings = notice_settings_for(supplier)
    if not notice_settings.agenda_enabled:
        return 0
    prefix = agenda_idempotency_prefix(supplier_id=supplier.pk, day=day)
    addresses = notice_email_addresses(notice_settings)
    keys = [f"{prefix}:{Message.Channel.EMAIL}:{_address_tag(a)}" for a in addresses]
    if not keys or Message.objects.filter(idempotency_key__in=keys).count() == len(keys):
        return 0  # nobody to send to, or sent already (a catch-up run or a retry)
    context = supplier_agenda_context(supplier=supplier, day=day)
    if not context["count"]:
        return 0
    requests = _requests(
        notice_settings=notice_settings,
        template_key=AGENDA_TEMPLATE,
        key=prefix,
        context=context,
        sms=False,
    )
    with transaction.atomic():
        return sum(1 for row in messages_enqueue(requests) if row is not None)


# Hourly beat runs after the agenda hour that still send a missed agenda (worker or beat down).
AGENDA_CATCH_UP_HOURS = 2


def suppliers_agenda_due(*, now: datetime | None = None) -> list[tuple[int, date]]:
    """(supplier id, local date) for each active supplier whose agenda hour is now.

    The agenda hour and the AGENDA_CATCH_UP_HOURS after it count, so a missed beat run is
    caught up; the outbox key keeps it to one agenda per supplier and date.
    """
    now = now or timezone.now()
    due = []
    # One query for all rows here (not the per-supplier cache): suppliers without a row use
    # the defaults.
    rows = {row.supplier_id: row for row in SupplierNoticeSettings.objects.all()}
    for supplier in Supplier.objects.filter(is_active=True).order_by("pk"):
        notice_settings = rows.get(supplier.pk) or SupplierNoticeSettings(supplier=supplier)
        notice_settings.supplier = supplier
        if not notice_settings.agenda_enabled or not notice_email_addresses(notice_settings):
            continue  # off, or nobody to send it to: no task at all
        local_now = now.astimezone(_zone(supplier))
        hour = notice_settings.agenda_hour
        if hour <= local_now.hour <= hour + AGENDA_CATCH_UP_HOURS:
            due.append((supplier.pk, local_now.date()))
    return due
