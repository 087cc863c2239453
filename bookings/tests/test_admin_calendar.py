"""The admin's time-grid calendar: its feed (selector + view) and its write endpoints.

Each endpoint goes through the supplier-scoped admin: another supplier's booking is a 404,
another supplier's resource or service is "not a valid choice", and the services' rules
(opening hours, conflicts, status) answer 409 without changing anything.
"""

import re
from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from accounts.tests.factories import StaffUserFactory, UserFactory
from bookings.models import Booking, BusyBlock, DateException
from bookings.selectors import CALENDAR_MAX_DAYS, calendar_events_for
from bookings.services import booking_cancel, booking_create

from .conftest import at, staff_for
from .factories import ResourceFactory, ServiceFactory, SupplierFactory

pytestmark = pytest.mark.django_db

EVENTS = "admin:bookings_booking_calendar_events"


class World:
    """Supplier "mine": Ingrid and Kari (09–17 daily), a 60-minute service, Ola's booking at
    10:00 with Ingrid, Kari busy 09–10. Supplier "theirs": one booking at 10:00."""

    def __init__(self, monday):
        self.monday = monday
        self.mine = SupplierFactory(slug="mine", name="Mine")
        self.theirs = SupplierFactory(slug="theirs", name="Theirs")
        self.ingrid = ResourceFactory(supplier=self.mine, name="Ingrid")
        self.kari = ResourceFactory(supplier=self.mine, name="Kari")
        self.service = ServiceFactory(
            supplier=self.mine, resources=[self.ingrid, self.kari], duration_minutes=60
        )
        self.ola = UserFactory(full_name="Ola Nordmann", phone="+4791234567")
        self.booking = booking_create(
            customer=self.ola, service=self.service, start=at(monday, 10), resource=self.ingrid
        )
        self.block = BusyBlock.objects.create(
            resource=self.kari, start=at(monday, 9), end=at(monday, 10), note="Kurs"
        )
        self.foreign_resource = ResourceFactory(supplier=self.theirs, name="Foreign")
        self.foreign_service = ServiceFactory(
            supplier=self.theirs, resources=[self.foreign_resource]
        )
        self.foreign_booking = booking_create(
            customer=UserFactory(full_name="Fremmed Kunde"),
            service=self.foreign_service,
            start=at(monday, 10),
        )
        self.staff = staff_for(self.mine)


@pytest.fixture
def world(monday):
    return World(monday)


def feed(client, start: str, end: str, **extra):
    return client.get(reverse(EVENTS), {"start": start, "end": end, **extra})


def boxes(response) -> dict[str, dict]:
    """The feed's bookings and blocks by id (closed-hours shading left out)."""
    return {
        event["id"]: event
        for event in response.json()
        if event["extendedProps"]["kind"] != "closed"
    }


def day_range(world) -> tuple[str, str]:
    return f"{world.monday}T00:00:00", f"{world.monday + timedelta(days=1)}T00:00:00"


# --- The selector ----------------------------------------------------------------------------


def test_selector_reads_only_the_given_resources_and_skips_cancelled(world, monday):
    cancelled = booking_create(
        customer=UserFactory(), service=world.service, start=at(monday, 13), resource=world.kari
    )
    booking_cancel(booking=cancelled, by_user=world.staff, by_supplier=True)
    entries = calendar_events_for(
        resources=world.mine.resources.all(), start=at(monday, 0), end=at(monday, 23)
    )
    assert [(entry.kind, entry.pk) for entry in entries] == [
        ("block", world.block.pk),
        ("booking", world.booking.pk),
    ]
    booking = entries[1]
    assert (booking.title, booking.phone) == ("Ola Nordmann", "+47 91 23 45 67")
    assert booking.start == world.booking.start and booking.resource_id == world.ingrid.pk
    assert entries[0].title == "Kurs"


def test_selector_range_is_half_open(world, monday):
    # The booking is 10:00–11:00: a range ending at 10:00 or starting at 11:00 misses it.
    resources = world.mine.resources.filter(pk=world.ingrid.pk)
    assert calendar_events_for(resources=resources, start=at(monday, 8), end=at(monday, 10)) == []
    assert calendar_events_for(resources=resources, start=at(monday, 11), end=at(monday, 12)) == []
    hits = calendar_events_for(resources=resources, start=at(monday, 10), end=at(monday, 11))
    assert [entry.pk for entry in hits] == [world.booking.pk]


# --- The feed --------------------------------------------------------------------------------


def test_feed_is_scoped_to_the_staff_members_supplier(staff_client, world):
    response = feed(staff_client, *day_range(world))
    assert response.status_code == 200
    events = boxes(response)
    assert set(events) == {f"booking-{world.booking.pk}", f"block-{world.block.pk}"}
    assert "Fremmed" not in response.content.decode()
    booking = events[f"booking-{world.booking.pk}"]
    # Wall-clock time in Europe/Oslo without an offset: the widget shows it as it is.
    assert booking["start"] == f"{world.monday}T10:00:00"
    assert booking["end"] == f"{world.monday}T11:00:00"
    assert booking["resourceIds"] == [str(world.ingrid.pk)]
    assert booking["title"] == "Ola Nordmann"
    assert booking["extendedProps"]["phone"] == "+47 91 23 45 67"
    assert booking["startEditable"] is True
    assert set(booking["extendedProps"]["actions"]) == {"cancel"}  # confirmed, not started
    block = events[f"block-{world.block.pk}"]
    assert block["classNames"] == ["bt-cal-block"] and block["startEditable"] is False


def test_feed_shows_the_other_supplier_only_to_its_own_staff(client, world):
    client.force_login(staff_for(world.theirs))
    events = boxes(feed(client, *day_range(world)))
    assert list(events) == [f"booking-{world.foreign_booking.pk}"]


def test_staff_without_a_supplier_get_an_empty_feed(client, world):
    loner = StaffUserFactory()
    TOTP.activate(loner, generate_totp_secret())
    client.force_login(loner)
    response = feed(client, *day_range(world))
    assert response.status_code == 200 and response.json() == []


def test_feed_shades_the_hours_each_resource_is_closed(staff_client, world, monday):
    # Kari has the day off; Ingrid keeps her 09–17.
    DateException.objects.create(supplier=world.mine, resource=world.kari, date=monday)
    shading = [
        event
        for event in feed(staff_client, *day_range(world)).json()
        if event["extendedProps"]["kind"] == "closed"
    ]
    assert {event["display"] for event in shading} == {"background"}
    closed = [(event["resourceIds"], event["start"], event["end"]) for event in shading]
    next_day = monday + timedelta(days=1)
    assert sorted(closed) == sorted(
        [
            ([str(world.ingrid.pk)], f"{monday}T00:00:00", f"{monday}T09:00:00"),
            ([str(world.ingrid.pk)], f"{monday}T17:00:00", f"{next_day}T00:00:00"),
            ([str(world.kari.pk)], f"{monday}T00:00:00", f"{next_day}T00:00:00"),
        ]
    )


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"start": "2026-12-07"},
        {"start": "garbage", "end": "2026-12-08"},
        {"start": "2026-12-07", "end": "2026-13-45"},
        {"start": "2026-12-08", "end": "2026-12-07"},
        {"start": "2026-12-07", "end": "2026-12-07"},
        {"start": "0001-01-01", "end": "0001-01-02"},
        {"start": "9999-12-30", "end": "9999-12-31"},
    ],
)
def test_feed_answers_bad_ranges_with_400(staff_client, params):
    response = staff_client.get(reverse(EVENTS), params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_range"
    assert response.json()["detail"]


def test_feed_range_is_capped(staff_client, world):
    start = world.monday
    longest = feed(staff_client, str(start), str(start + timedelta(days=CALENDAR_MAX_DAYS)))
    assert longest.status_code == 200
    too_long = feed(staff_client, str(start), str(start + timedelta(days=CALENDAR_MAX_DAYS + 1)))
    assert too_long.status_code == 400


def test_feed_is_for_signed_in_staff_only(client, world):
    assert feed(client, *day_range(world)).status_code == 302  # to the sign-in page
    client.force_login(world.ola)
    assert feed(client, *day_range(world)).status_code == 302  # customers have no admin


# --- Drag to move ----------------------------------------------------------------------------


def move(client, booking, start: str, resource) -> object:
    url = reverse("admin:bookings_booking_calendar_move", args=[booking.pk])
    return client.post(url, {"start": start, "resource": resource.pk})


def unchanged(booking: Booking) -> bool:
    start, resource_id = booking.start, booking.resource_id
    booking.refresh_from_db()
    return booking.start == start and booking.resource_id == resource_id


def test_drop_moves_the_booking_in_oslo_time(staff_client, world):
    response = move(staff_client, world.booking, f"{world.monday}T12:00", world.kari)
    assert response.status_code == 200, response.content
    assert world.booking.reference in response.json()["detail"]
    world.booking.refresh_from_db()
    assert world.booking.start == at(world.monday, 12)
    assert world.booking.end == at(world.monday, 13)
    assert world.booking.resource == world.kari


@pytest.mark.parametrize(
    ("hour", "resource_name", "code"),
    [
        (9, "kari", "slot_unavailable"),  # Kari's busy block 09–10
        (7, "ingrid", "invalid_start"),  # before opening
        (16, "ingrid", None),  # 16:00–17:00 fits; the control case
    ],
)
def test_drop_keeps_the_move_actions_rules(staff_client, world, hour, resource_name, code):
    resource = getattr(world, resource_name)
    response = move(staff_client, world.booking, f"{world.monday}T{hour:02d}:00", resource)
    if code is None:
        assert response.status_code == 200
        return
    assert response.status_code == 409
    assert response.json()["detail"]
    assert unchanged(world.booking)


def test_drop_onto_another_booking_is_refused(staff_client, world, monday):
    booking_create(
        customer=UserFactory(), service=world.service, start=at(monday, 14), resource=world.kari
    )
    response = move(staff_client, world.booking, f"{monday}T14:30", world.kari)
    assert response.status_code == 409
    assert response.json()["code"] == "slot_unavailable"
    assert unchanged(world.booking)


def test_drop_of_another_suppliers_booking_is_404(staff_client, world):
    response = move(staff_client, world.foreign_booking, f"{world.monday}T12:00", world.ingrid)
    assert response.status_code == 404
    assert unchanged(world.foreign_booking)


def test_drop_onto_another_suppliers_resource_is_400(staff_client, world):
    response = move(staff_client, world.booking, f"{world.monday}T12:00", world.foreign_resource)
    assert response.status_code == 400
    assert "resource" in response.json()["errors"]
    assert unchanged(world.booking)


# 02:30 on 28 March 2027 does not exist in Oslo (the clocks jump from 02:00 to 03:00).
@pytest.mark.parametrize(
    "start", ["", "garbage", "0001-01-01T10:00", "2026-02-30T10:00", "2027-03-28T02:30"]
)
def test_drop_with_a_bad_time_is_400(staff_client, world, start):
    response = move(staff_client, world.booking, start, world.ingrid)
    assert response.status_code == 400
    assert unchanged(world.booking)


def test_drop_of_a_cancelled_booking_is_refused(staff_client, world):
    booking_cancel(booking=world.booking, by_user=world.staff, by_supplier=True)
    response = move(staff_client, world.booking, f"{world.monday}T12:00", world.ingrid)
    assert response.status_code == 409
    assert unchanged(world.booking)


def test_writes_need_post_and_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.staff)
    url = reverse("admin:bookings_booking_calendar_move", args=[world.booking.pk])
    assert client.get(url).status_code == 405
    data = {"start": f"{world.monday}T12:00", "resource": world.kari.pk}
    assert client.post(url, data).status_code == 403
    assert unchanged(world.booking)
    for name in ("calendar_phone", "calendar_block"):
        assert client.post(reverse(f"admin:bookings_booking_{name}"), {}).status_code == 403
    cancel = reverse("admin:bookings_booking_calendar_action", args=[world.booking.pk, "cancel"])
    assert client.post(cancel, {"reason": "x"}).status_code == 403
    world.booking.refresh_from_db()
    assert world.booking.status == Booking.Status.CONFIRMED


# --- Confirm, cancel, no-show -----------------------------------------------------------------


def action(client, booking, name: str, data=None):
    url = reverse("admin:bookings_booking_calendar_action", args=[booking.pk, name])
    return client.post(url, data or {})


def test_cancel_needs_a_reason_and_then_cancels(staff_client, world):
    assert action(staff_client, world.booking, "cancel").status_code == 400
    world.booking.refresh_from_db()
    assert world.booking.status == Booking.Status.CONFIRMED
    response = action(staff_client, world.booking, "cancel", {"reason": "Sykdom"})
    assert response.status_code == 200
    world.booking.refresh_from_db()
    assert world.booking.status == Booking.Status.CANCELLED
    assert world.booking.cancellation_reason == "Sykdom"
    assert world.booking.cancelled_by == Booking.CancelledBy.SUPPLIER
    # Twice is refused by the service, not a 500.
    assert action(staff_client, world.booking, "cancel", {"reason": "igjen"}).status_code == 409


def test_confirm_a_pending_booking(staff_client, world, monday):
    paid = ServiceFactory(supplier=world.mine, resources=[world.kari], payment_mode="full")
    pending = booking_create(customer=UserFactory(), service=paid, start=at(monday, 13))
    assert pending.status == Booking.Status.PENDING_PAYMENT
    events = boxes(feed(staff_client, *day_range(world)))
    assert set(events[f"booking-{pending.pk}"]["extendedProps"]["actions"]) == {
        "confirm",
        "cancel",
    }
    assert action(staff_client, pending, "confirm").status_code == 200
    pending.refresh_from_db()
    assert pending.status == Booking.Status.CONFIRMED


def test_no_show_before_the_start_is_refused(staff_client, world):
    response = action(staff_client, world.booking, "no-show")
    assert response.status_code == 409
    world.booking.refresh_from_db()
    assert world.booking.status == Booking.Status.CONFIRMED


def test_no_show_after_the_start(staff_client, world):
    month = timedelta(days=30)
    b = world.booking
    Booking.objects.filter(pk=b.pk).update(
        start=b.start - month,
        end=b.end - month,
        blocked_start=b.blocked_start - month,
        blocked_end=b.blocked_end - month,
    )
    assert action(staff_client, world.booking, "no-show").status_code == 200
    world.booking.refresh_from_db()
    assert world.booking.status == Booking.Status.NO_SHOW


def test_actions_on_another_suppliers_booking_are_404(staff_client, world):
    for name, data in (("confirm", {}), ("cancel", {"reason": "x"}), ("no-show", {})):
        assert action(staff_client, world.foreign_booking, name, data).status_code == 404
    world.foreign_booking.refresh_from_db()
    assert world.foreign_booking.status == Booking.Status.CONFIRMED


def test_unknown_action_is_404(staff_client, world):
    assert action(staff_client, world.booking, "delete").status_code == 404
    assert Booking.objects.filter(pk=world.booking.pk).exists()


# --- Click an empty time: phone booking or block ----------------------------------------------


def phone_data(world, **changes) -> dict:
    return {
        "service": world.service.pk,
        "resource": world.kari.pk,
        "date": str(world.monday),
        "time": "13:00",
        "customer_name": "Per Telefon",
        "customer_phone": "41234567",
        **changes,
    }


def test_phone_booking_from_a_slot(staff_client, world):
    response = staff_client.post(
        reverse("admin:bookings_booking_calendar_phone"), phone_data(world)
    )
    assert response.status_code == 201, response.content
    booking = Booking.objects.get(customer__full_name="Per Telefon")
    assert booking.start == at(world.monday, 13) and booking.resource == world.kari
    assert booking.created_by == world.staff
    assert response.json()["url"].endswith(f"/{booking.pk}/change/")


def test_phone_booking_on_a_taken_time_is_409(staff_client, world):
    data = phone_data(world, resource=world.ingrid.pk, time="10:00")
    response = staff_client.post(reverse("admin:bookings_booking_calendar_phone"), data)
    assert response.status_code == 409
    assert not Booking.objects.filter(customer__full_name="Per Telefon").exists()


def test_phone_booking_for_another_supplier_is_400(staff_client, world):
    data = phone_data(world, service=world.foreign_service.pk, resource=world.foreign_resource.pk)
    response = staff_client.post(reverse("admin:bookings_booking_calendar_phone"), data)
    assert response.status_code == 400
    assert {"service", "resource"} <= set(response.json()["errors"])
    assert not Booking.objects.filter(customer__full_name="Per Telefon").exists()


def test_block_from_a_slot_in_oslo_time(staff_client, world):
    data = {
        "resource": world.ingrid.pk,
        "start": f"{world.monday}T12:00",
        "end": f"{world.monday}T13:30",
        "note": "Lunsj",
    }
    response = staff_client.post(reverse("admin:bookings_booking_calendar_block"), data)
    assert response.status_code == 201, response.content
    block = BusyBlock.objects.get(note="Lunsj")
    assert (block.start, block.end) == (
        at(world.monday, 12),
        at(world.monday, 13) + timedelta(minutes=30),
    )
    assert "12:00" in response.json()["detail"]  # local time, not UTC


def test_block_over_a_booking_or_for_another_supplier_is_refused(staff_client, world):
    url = reverse("admin:bookings_booking_calendar_block")
    over = {
        "resource": world.ingrid.pk,
        "start": f"{world.monday}T10:30",
        "end": f"{world.monday}T12:00",
    }
    assert staff_client.post(url, over).status_code == 400
    foreign = {**over, "resource": world.foreign_resource.pk, "start": f"{world.monday}T12:00"}
    response = staff_client.post(url, foreign)
    assert response.status_code == 400 and "resource" in response.json()["errors"]
    assert BusyBlock.objects.count() == 1  # Kari's course only


# --- The page ---------------------------------------------------------------------------------


def test_page_carries_the_widget_and_the_table_fallback(staff_client, world):
    url = reverse("admin:bookings_booking_calendar")
    response = staff_client.get(url, {"date": str(world.monday)})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="calendar-config"' in body
    assert "event-calendar.min.js" in body and "bookings/calendar.js" in body
    assert "<noscript>" in body and world.booking.reference in body  # the table, inside
    # CSP allows no inline script: every script is a static file or JSON data.
    scripts = re.findall(r"<script\b[^>]*>", body)
    assert scripts and all(" src=" in tag or 'type="application/json"' in tag for tag in scripts), (
        scripts
    )
    config = response.context["calendar_config"]
    assert [resource["title"] for resource in config["resources"]] == ["Ingrid", "Kari"]
    assert config["services"] == {str(world.service.pk): [str(world.ingrid.pk), str(world.kari.pk)]}
    table = staff_client.get(url, {"date": str(world.monday), "layout": "table"})
    assert "event-calendar.min.js" not in table.content.decode()
    assert world.booking.reference in table.content.decode()


def test_administrator_sees_every_supplier_with_the_supplier_in_each_column(client, world):
    administrator = StaffUserFactory(role=roles.ADMINISTRATOR)
    TOTP.activate(administrator, generate_totp_secret())
    client.force_login(administrator)
    events = boxes(feed(client, *day_range(world)))
    assert f"booking-{world.foreign_booking.pk}" in events
    assert f"booking-{world.booking.pk}" in events
    page = client.get(reverse("admin:bookings_booking_calendar"), {"date": str(world.monday)})
    titles = {resource["title"] for resource in page.context["calendar_config"]["resources"]}
    assert {"Ingrid · Mine", "Foreign · Theirs"} <= titles


def test_feed_queries_do_not_grow_with_the_bookings(staff_client, world, monday):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert feed(staff_client, *day_range(world)).status_code == 200
        return len(queries)

    before = count()
    for hour in (12, 13, 14, 15):
        booking_create(
            customer=UserFactory(),
            service=world.service,
            start=at(monday, hour),
            resource=world.kari,
        )
    assert count() == before


@pytest.mark.parametrize("pk", ["0", "99999999999999999999999"])
def test_a_booking_id_out_of_range_is_404(staff_client, world, pk):
    for name in ("move", "cancel"):
        url = reverse("admin:bookings_booking_calendar_action", args=[world.booking.pk, name])
        url = url.replace(f"/{world.booking.pk}/", f"/{pk}/")
        assert staff_client.post(url, {"reason": "x"}).status_code == 404
