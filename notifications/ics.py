"""iCalendar (RFC 5545) for booking e-mails, written by hand: one VEVENT, UTC times.

The UID is stable per booking (`<reference>@bookingtjeneste.no`) and SEQUENCE grows with
each change, so a calendar replaces the event when the booking is moved.
"""

from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone

UID_DOMAIN = "bookingtjeneste.no"
PRODID = "-//Bookingtjeneste//Bookingtjeneste booking//NB"


def _escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character (§3.1)."""
    parts: list[str] = []
    current = ""
    limit = 75
    for character in line:
        if len((current + character).encode("utf-8")) > limit:
            parts.append(current)
            current = character
            limit = 74  # continuation lines start with one space
        else:
            current += character
    parts.append(current)
    return "\r\n ".join(parts)


def booking_ics(*, booking, sequence: int = 0, now: datetime | None = None) -> str:
    """A calendar file with the booking as one event (METHOD:PUBLISH)."""
    supplier = booking.supplier
    location = ", ".join(
        part
        for part in (
            supplier.name,
            supplier.address_line,
            " ".join(p for p in (supplier.postal_code, supplier.city) if p),
        )
        if part
    )
    description = f"{booking.service.name} ({booking.resource.name})\n{booking.reference}\n" + (
        f"{settings.SITE_URL}/my/bookings/"
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{booking.reference}@{UID_DOMAIN}",
        f"DTSTAMP:{_utc(now or timezone.now())}",
        f"DTSTART:{_utc(booking.start)}",
        f"DTEND:{_utc(booking.end)}",
        f"SEQUENCE:{max(int(sequence), 0)}",
        f"SUMMARY:{_escape_text(f'{booking.service.name} – {supplier.name}')}",
        f"LOCATION:{_escape_text(location)}",
        f"DESCRIPTION:{_escape_text(description)}",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        f"URL:{settings.SITE_URL}/my/bookings/",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)
