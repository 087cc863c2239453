"""Supplier export: selected bookings as CSV, a day list to print or open in a spreadsheet."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from bookingtjeneste.money import format_nok
from bookingtjeneste.spreadsheet import spreadsheet_csv

from .models import Booking


def bookings_header() -> list[str]:
    return [
        _("reference"),
        _("date"),
        _("start"),
        _("end"),
        _("service"),
        _("resource"),
        _("status"),
        _("customer"),
        _("mobile number"),
        _("e-mail"),
        _("price (NOK)"),
        _("customer notes"),
    ]


def bookings_csv(bookings: Iterable[Booking]) -> str:
    """One row per booking, times in the supplier's own time zone, by start."""
    return spreadsheet_csv(bookings_header(), _rows(bookings))


def bookings_export(*, bookings: QuerySet[Booking], by_user) -> str:
    """The CSV of `bookings` for a staff member, recorded in the audit trail: it carries
    customers' names, numbers and addresses (privacy policy: exports are logged). The entry
    holds who, when and how many rows; never the people themselves."""
    from privacy.audit import audit_log

    rows = list(
        bookings.select_related("supplier", "service", "resource", "customer").order_by(
            "start", "pk"
        )
    )
    audit_log(
        action="admin.exported",
        actor=by_user,
        details={"model": "bookings.booking", "rows": len(rows)},
    )
    return bookings_csv(rows)


def _rows(bookings: Iterable[Booking]) -> Iterator[list[object]]:
    zones: dict[str, ZoneInfo] = {}
    for booking in bookings:
        tz = zones.setdefault(booking.supplier.time_zone, ZoneInfo(booking.supplier.time_zone))
        start, end = booking.start.astimezone(tz), booking.end.astimezone(tz)
        customer = booking.customer
        yield [
            booking.reference,
            start.strftime("%Y-%m-%d"),
            start.strftime("%H:%M"),
            end.strftime("%H:%M"),
            booking.service.name,
            booking.resource.name,
            booking.get_status_display(),
            customer.full_name if customer else "",
            str(customer.phone) if customer and customer.phone else "",
            customer.message_email if customer else "",
            format_nok(booking.price_ore, unit=False).replace("\u00a0", ""),
            booking.customer_notes,
        ]
