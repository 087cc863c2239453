"""The salon's time-grid calendar in the admin, driven as staff would: a real sign-in with the
TOTP code, then book by phone and block time on empty times, drag a booking to another time
and person, a refused drag put back, and a cancellation, each checked in the database. No
third-party request and no Content-Security-Policy violation on the way (vendored widget)."""

import time as clock
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)

from accounts import roles
from accounts.tests.factories import TEST_PASSWORD, StaffUserFactory, UserFactory
from bookings.models import Booking, BusyBlock, SupplierStaff
from bookings.services import booking_create
from bookings.tests.factories import ResourceFactory, ServiceFactory, SupplierFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OSLO = ZoneInfo("Europe/Oslo")


def at(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=OSLO)


@pytest.fixture
def salon():
    # transaction=True flushes the tables between tests: groups and their permissions too.
    roles.roles_ensure()
    supplier = SupplierFactory(slug="salong-kal", name="Salong Kal")
    ingrid = ResourceFactory(supplier=supplier, name="Ingrid")  # open 09–17 every day
    kari = ResourceFactory(supplier=supplier, name="Kari")
    service = ServiceFactory(
        supplier=supplier, resources=[ingrid, kari], name="Dameklipp", duration_minutes=60
    )
    day = datetime.now(OSLO).date() + timedelta(days=2)
    ola = booking_create(
        customer=UserFactory(full_name="Ola Nordmann", phone="+4791234567"),
        service=service,
        start=at(day, 10),
        resource=ingrid,
    )
    kunde = booking_create(
        customer=UserFactory(full_name="Kari Kunde", phone="+4798765432"),
        service=service,
        start=at(day, 15),
        resource=kari,
    )
    BusyBlock.objects.create(resource=kari, start=at(day, 9), end=at(day, 10), note="Kurs")
    # Another salon's booking on the same day must never reach this calendar.
    other = SupplierFactory(slug="annen", name="Annen Salong")
    foreign = ResourceFactory(supplier=other, name="Fremmed")
    booking_create(
        customer=UserFactory(full_name="Fremmed Kunde"),
        service=ServiceFactory(supplier=other, resources=[foreign]),
        start=at(day, 10),
        resource=foreign,
    )
    staff = StaffUserFactory()
    SupplierStaff.objects.create(user=staff, supplier=supplier)
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    return {
        "day": day,
        "ingrid": ingrid,
        "kari": kari,
        "ola": ola,
        "kunde": kunde,
        "staff": staff,
        "secret": secret,
    }


def sign_in(page, user, secret: str) -> None:
    """Password, then the current TOTP code: what RequireMFAForStaffMiddleware insists on."""
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    # A code is good for its 30-second step only (no tolerance): one typed as the step ends
    # can arrive in the next, so a refused code is tried once more with the new step's.
    for _ in range(2):
        step = int(clock.time()) // 30
        page.fill("input[name=code]", format_hotp_value(hotp_value(secret, step)))
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state("networkidle")
        if "/accounts/2fa/authenticate/" not in page.url:
            return
        while int(clock.time()) // 30 == step:
            clock.sleep(0.2)
    raise AssertionError("the TOTP code was refused twice")


def box(locator, state: str = "visible") -> dict:
    """The element's box once it is laid out: the calendar redraws its boxes after each
    change (refetch), and a box read in between is None. The first hour's label is laid out
    but invisible (state "attached")."""
    for _ in range(50):
        locator.wait_for(state=state)
        found = locator.bounding_box()
        if found is not None:
            return found
        locator.page.wait_for_timeout(100)
    raise AssertionError(f"{locator} never settled on screen")


class Grid:
    """Screen positions in the day view: a column per resource, a row per time of day.

    Read afresh on every call: a message above the calendar moves the whole grid down.
    """

    def __init__(self, page) -> None:
        self.page = page

    def x(self, column: int) -> float:
        column_box = box(self.page.locator(".ec-body .ec-day").nth(column))
        return column_box["x"] + column_box["width"] / 2

    def y(self, hour: int, minute: int = 0) -> float:
        """A few pixels below the line of hour:minute (inside the slot that starts there)."""
        labels = self.page.locator(".ec-body .ec-sidebar time")
        first_hour = int(labels.nth(0).get_attribute("datetime")[11:13])
        hour_height = box(labels.nth(1))["y"] - box(labels.nth(0), "attached")["y"]
        top = box(self.page.locator(".ec-body .ec-day").first)["y"]  # the first hour's line
        return top + (hour - first_hour + minute / 60) * hour_height + 4


def assert_accessible(page) -> None:
    """axe-core (bundled in axe-playwright-python, nothing fetched) finds no WCAG 2.1 AA fault."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright")
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
    options = {"runOnly": {"type": "tag", "values": tags}, "resultTypes": ["violations"]}
    results = axe.Axe().run(page, options=options).response
    assert results["violations"] == [], [
        (violation["id"], [node["html"] for node in violation["nodes"]])
        for violation in results["violations"]
    ]


def drag(page, event, x: float, y: float) -> None:
    event_box = box(event)
    # Held 4 px below the box's top edge, so the box's top lands 4 px below the target line.
    page.mouse.move(event_box["x"] + 20, event_box["y"] + 4)
    page.mouse.down()
    page.mouse.move(x, y, steps=20)
    page.mouse.up()


def test_staff_book_move_and_cancel_from_the_calendar(page, salon):
    csp_violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.set_viewport_size({"width": 1400, "height": 1600})
    sign_in(page, salon["staff"], salon["secret"])
    day = salon["day"]
    page.goto(f"/admin/bookings/booking/calendar/?date={day.isoformat()}")

    ola_box = page.locator(".ec-event", has_text="Ola Nordmann")
    ola_box.wait_for()
    assert "+47 91 23 45 67" in ola_box.inner_text()
    assert "10:00" in ola_box.inner_text()
    block = page.locator(".ec-event.bt-cal-block")
    assert "Kurs" in block.inner_text()
    assert "bt-cal-booking" not in block.get_attribute("class")
    assert page.locator(".ec-col-head").all_inner_texts() == ["Ingrid", "Kari"]
    assert "Fremmed" not in page.locator("#booking-calendar").inner_text()
    grid = Grid(page)

    # An empty time in Ingrid's column → a phone booking at exactly that time.
    page.mouse.click(grid.x(0), grid.y(14))
    dialog = page.locator("#cal-slot-dialog")
    dialog.wait_for()
    assert_accessible(page)
    phone_form = dialog.locator("#cal-phone-form")
    assert phone_form.locator("[name=time]").input_value() == "14:00"
    phone_form.locator("[name=customer_name]").fill("Per Telefon")
    phone_form.locator("[name=customer_phone]").fill("41234567")
    phone_form.locator("[type=submit]").click()
    page.locator("#cal-messages .success").wait_for()
    made = Booking.objects.get(customer__full_name="Per Telefon")
    assert made.start == at(day, 14)
    assert made.resource == salon["ingrid"]
    assert made.status == Booking.Status.CONFIRMED
    assert made.created_by == salon["staff"]
    page.locator(".ec-event", has_text="Per Telefon").wait_for()

    # An empty time in Kari's column → "Block time": an hour from there, by default.
    page.mouse.click(grid.x(1), grid.y(16))
    dialog.wait_for()
    dialog.locator("[data-tab=cal-block-form]").click()
    block_form = dialog.locator("#cal-block-form")
    block_form.locator("[name=note]").fill("Lunsj")
    block_form.locator("[type=submit]").click()
    page.locator("#cal-messages .success", has_text="Kari").wait_for()
    lunch = BusyBlock.objects.get(note="Lunsj")
    assert (lunch.resource, lunch.start, lunch.end) == (salon["kari"], at(day, 16), at(day, 17))
    page.locator(".ec-event.bt-cal-block", has_text="Lunsj").wait_for()

    # Drag Ola from Ingrid 10:00 to Kari 12:00: moved by the move action's service.
    drag(page, ola_box, grid.x(1), grid.y(12))
    page.locator("#cal-messages .success", has_text=salon["ola"].reference).wait_for()
    ola = Booking.objects.get(pk=salon["ola"].pk)
    assert (ola.start, ola.resource) == (at(day, 12), salon["kari"])
    assert ola.status == Booking.Status.CONFIRMED

    # Onto Kari's 15:00 booking: refused by the server, and the box goes back to 12:00.
    ola_box = page.locator(".ec-event", has_text="Ola Nordmann")
    ola_box.wait_for()
    drag(page, ola_box, grid.x(1), grid.y(15))
    page.locator("#cal-messages .error").wait_for()
    ola.refresh_from_db()
    assert (ola.start, ola.resource) == (at(day, 12), salon["kari"])
    assert "12:00" in page.locator(".ec-event", has_text="Ola Nordmann").inner_text()

    # Click Kari Kunde's booking → cancel with a reason.
    page.locator(".ec-event", has_text="Kari Kunde").click()
    booking_dialog = page.locator("#cal-booking-dialog")
    booking_dialog.wait_for()
    assert "+47 98 76 54 32" in booking_dialog.inner_text()
    assert_accessible(page)
    assert not booking_dialog.locator(".bt-cal-errors").is_visible()  # no message, no box
    booking_dialog.locator("[name=reason]").fill("Sykdom")
    booking_dialog.locator("#cal-cancel-form [type=submit]").click()
    page.locator("#cal-messages .success", has_text=salon["kunde"].reference).wait_for()
    kunde = Booking.objects.get(pk=salon["kunde"].pk)
    assert kunde.status == Booking.Status.CANCELLED
    assert kunde.cancellation_reason == "Sykdom"
    assert kunde.cancelled_by == Booking.CancelledBy.SUPPLIER
    page.locator(".ec-event", has_text="Kari Kunde").wait_for(state="detached")

    # The week: seven days, each split into the two staff members.
    page.locator("#cal-nav [data-view=week]").click()
    page.wait_for_url("**span=week**")
    assert page.locator(".ec-col-head").all_inner_texts() == ["Ingrid", "Kari"] * 7
    assert page.locator(".ec-event", has_text="Ola Nordmann").count() == 1

    assert page.request_log.non_local() == []
    assert csp_violations == []


def test_the_table_is_there_without_javascript(browser, live_server, salon):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, locale="nb-NO"
    )
    page = context.new_page()
    try:
        sign_in(page, salon["staff"], salon["secret"])
        page.goto(f"/admin/bookings/booking/calendar/?date={salon['day'].isoformat()}")
        table = page.locator("table.calendar-table")
        assert table.is_visible()
        assert salon["ola"].reference in table.inner_text()
        assert not page.locator("#booking-calendar").is_visible()
        assert not page.locator("#cal-nav").is_visible()  # buttons that need JavaScript
    finally:
        context.close()
