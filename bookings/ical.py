"""The one iCalendar (RFC 5545) writer: downloads, e-mail attachments and subscription feeds.

Built with the `icalendar` library (escaping, folding at 75 octets, CRLF). Times are UTC.
The UID is stable per booking (`<reference>@bookingtjeneste.no`) and SEQUENCE is the
booking's own counter (Booking.sequence, one up on every save), so a calendar that already
holds the event replaces it when the booking is moved or cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from .models import Booking

UID_DOMAIN = "bookingtjeneste.no"
PRODID = "-//Bookingtjeneste//Bookingtjeneste booking//NB"


def booking_uid(booking: Booking) -> str:
    return f"{booking.reference}@{UID_DOMAIN}"


def _location(booking: Booking) -> str:
    supplier = booking.supplier
    town = " ".join(part for part in (supplier.postal_code, supplier.city) if part)
    return ", ".join(part for part in (supplier.name, supplier.address_line, town) if part)


def _staff_description(booking: Booking) -> str:
    """What the salon's subscribed calendar shows: the service, who performs it, the reference.

    No customer name, phone or notes: a subscribed feed is read by the supplier's calendar
    provider (Google, Apple, Microsoft), and the policy promises the same minimum as the Google
    Calendar sync. Staff open the booking in the admin for the person's details.
    """
    return f"{booking.service.name} ({booking.resource.name})\n{booking.reference}"


def booking_event(booking: Booking, *, for_staff: bool = False, now: datetime | None = None):
    """One VEVENT. `for_staff` is the salon's feed: no customer details, see _staff_description."""
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("dtstamp", now or timezone.now())
    event.add("dtstart", booking.start)
    event.add("dtend", booking.end)
    event.add("sequence", max(int(booking.sequence or 0), 0))
    cancelled = booking.status == Booking.Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    if for_staff:
        event.add("summary", f"{booking.service.name} – {booking.reference}")
        event.add("description", _staff_description(booking))
    else:
        manage_url = f"{settings.SITE_URL}/my/bookings/"
        event.add("summary", f"{booking.service.name} – {booking.supplier.name}")
        event.add(
            "description",
            f"{booking.service.name} ({booking.resource.name})\n{booking.reference}\n{manage_url}",
        )
        event.add("url", manage_url)
    location = _location(booking)
    if location:
        event.add("location", location)
    return event


def _calendar(name: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def booking_ics(booking: Booking, *, now: datetime | None = None) -> str:
    """A calendar file with the customer's booking as one event (download, e-mail)."""
    calendar = _calendar()
    calendar.add_component(booking_event(booking, now=now))
    return calendar.to_ical().decode("utf-8")


def feed_ics(bookings: Iterable[Booking], *, name: str, now: datetime | None = None) -> bytes:
    """A subscription feed for the supplier's staff: every booking as a staff event."""
    now = now or timezone.now()
    calendar = _calendar(name)
    for booking in bookings:
        calendar.add_component(booking_event(booking, for_staff=True, now=now))
    return calendar.to_ical()
