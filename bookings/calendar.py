"""An iCalendar (RFC 5545) file for one booking: the "add to calendar" download."""

from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone

from .models import Booking


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def booking_ics(booking: Booking) -> str:
    supplier = booking.supplier
    address = ", ".join(
        part
        for part in (supplier.address_line, f"{supplier.postal_code} {supplier.city}".strip())
        if part
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Bookingtjeneste//Booking//NB",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{booking.reference}@bookingtjeneste.no",
        f"DTSTAMP:{_stamp(timezone.now())}",
        f"DTSTART:{_stamp(booking.start)}",
        f"DTEND:{_stamp(booking.end)}",
        f"SUMMARY:{_escape(f'{booking.service.name} – {supplier.name}')}",
        f"LOCATION:{_escape(address)}",
        f"DESCRIPTION:{_escape(f'{booking.reference} · {settings.SITE_URL}/my/bookings/')}",
        "STATUS:" + ("CANCELLED" if booking.status == Booking.Status.CANCELLED else "CONFIRMED"),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"
