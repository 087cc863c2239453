"""A customer on a phone (375 × 812): the day picker and "First available", the warning before
a booking that could not be cancelled online, rescheduling where the booking is, the phone
verification asked for inside the flow, and no page that scrolls sideways."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import roles
from accounts.tests.factories import TEST_PASSWORD, UserFactory
from bookings.models import Booking
from bookings.services import booking_cancel, booking_create
from bookings.tests.factories import ResourceFactory, ServiceFactory, SupplierFactory
from notifications.tests.fakes import FakeProvider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OSLO = ZoneInfo("Europe/Oslo")
WIDTH, HEIGHT = 375, 812

# Elements sticking out past the viewport's right edge, to say which one when a page overflows.
OVERFLOWING = """() => Array.from(document.querySelectorAll('body *'))
  .filter(el => el.getBoundingClientRect().right > 375.5 || el.scrollWidth > el.clientWidth + 1)
  .slice(-5).map(el => el.tagName + '.' + el.className + ': ' + el.textContent.slice(0, 40))"""


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        locale="nb-NO",
        viewport={"width": WIDTH, "height": HEIGHT},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.requests = requests
    yield page
    context.close()


@pytest.fixture
def salon():
    # transaction=True flushes the tables between tests, the migrated role groups included.
    for role in roles.ALL_ROLES:
        Group.objects.get_or_create(name=role)
    supplier = SupplierFactory(
        slug="salong-mobil",
        name="Salong Mobil",
        city="Fredrikstad",
        # Three days: the first free time (today or tomorrow) is inside it, next week is not.
        cancellation_deadline_hours=72,
    )
    ingrid = ResourceFactory(supplier=supplier, name="Ingrid")
    per = ResourceFactory(
        supplier=supplier, name="Per", hours=[(day, time(12), time(17)) for day in range(7)]
    )
    service = ServiceFactory(
        supplier=supplier, resources=[ingrid, per], name="Dameklipp", slot_interval_minutes=15
    )
    return service


def _local(value: datetime) -> datetime:
    return value.astimezone(OSLO)


def _log_in(page, user) -> None:
    page.goto("/accounts/login/")
    _dismiss_cookie_banner(page)
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")


def _dismiss_cookie_banner(page) -> None:
    reject = page.get_by_test_id("cookie-reject")
    if reject.count() and reject.is_visible():
        reject.click()
        page.wait_for_load_state("networkidle")


def _assert_no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, (page.url, width, page.evaluate(OVERFLOWING))


def test_customer_books_with_the_day_picker_and_first_available(phone, salon):
    from playwright.sync_api import expect

    page = phone
    customer = UserFactory()
    _log_in(page, customer)
    page.goto(f"/s/salong-mobil/{salon.pk}/")
    _assert_no_sideways_scroll(page)
    first_title = page.get_by_test_id("day-title").inner_text()

    # Next day: switched in place by booking-picker.js (no reload), the URL follows.
    page.evaluate("window.__samePage = true")
    page.get_by_test_id("next-day").click()
    expect(page.get_by_test_id("day-title")).not_to_have_text(first_title)
    assert page.evaluate("window.__samePage === true")
    assert "date=" in page.url
    assert page.locator("input[type=radio][name=start]").count() <= 32  # one day, not 7 × 32

    # "First available" goes back to the earliest time and selects it.
    page.get_by_test_id("first-available").click()
    expect(page.locator("input[name=start]:checked")).to_have_count(1)
    chosen = page.locator("input[name=start]:checked").get_attribute("value")
    continue_button = page.get_by_role("button", name="Fortsett")
    # Where the button sits in the page (its form's end: it also sticks to the screen's foot).
    end = continue_button.evaluate(
        "el => el.closest('form').getBoundingClientRect().bottom + window.scrollY"
    )
    assert end < 2 * HEIGHT  # was ~4,000 px down when every slot of the week was listed
    _assert_no_sideways_scroll(page)
    continue_button.click()

    page.wait_for_url("**/book/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Bekreft bestillingen"
    warning = page.get_by_test_id("deadline-warning")
    assert warning.is_visible()
    assert "Du kan ikke avbestille eller flytte denne timen på nett" in warning.inner_text()
    assert "72 timer" in warning.inner_text()
    # The warning comes before the button that books.
    warning_top = warning.evaluate("el => el.getBoundingClientRect().top")
    book = page.get_by_role("button", name="Bestill", exact=True)
    assert warning_top < book.evaluate("el => el.getBoundingClientRect().top")
    _assert_no_sideways_scroll(page)
    book.click()

    page.wait_for_url("**/my/bookings/BK-*/")
    booking = Booking.objects.get(customer=customer)
    assert booking.start == datetime.fromisoformat(chosen)
    assert not page.locator("input[name=sms_notifications]").count()
    _assert_no_sideways_scroll(page)
    assert [url for url in page.requests if "127.0.0.1" not in url and "localhost" not in url] == []


def test_reschedule_opens_on_the_bookings_week_and_staff_member(phone, salon):
    page = phone
    customer = UserFactory()
    per = salon.resources.get(name="Per")
    day = timezone.now().astimezone(OSLO).date() + timedelta(days=20)
    start = datetime.combine(day, time(14), tzinfo=OSLO)
    booking = booking_create(customer=customer, service=salon, start=start, resource=per)
    _log_in(page, customer)
    page.goto("/my/bookings/")
    _assert_no_sideways_scroll(page)
    page.get_by_test_id("upcoming-booking").get_by_role("link", name="Flytt").click()

    page.wait_for_url("**/reschedule/")
    assert page.locator("#resource-filter").input_value() == str(per.pk)
    assert page.get_by_test_id(f"day-{day.isoformat()}").get_attribute("aria-current") == "date"
    assert page.locator(f"input[name=start][value='{_local(start).isoformat()}']").count() == 1
    # Only Per's times (from 12:00): Ingrid's morning is not offered.
    nine = datetime.combine(day, time(9), tzinfo=OSLO).isoformat()
    assert page.locator(f"input[name=start][value='{nine}']").count() == 0
    _assert_no_sideways_scroll(page)
    later = datetime.combine(day, time(15, 30), tzinfo=OSLO)
    page.locator(f"input[name=start][value='{later.isoformat()}']").check()
    page.get_by_role("button", name="Flytt til valgt tid").click()
    page.wait_for_url(f"**/my/bookings/{booking.reference}/")
    booking.refresh_from_db()
    assert booking.start == later and booking.resource == per


@pytest.fixture
def fake_twilio(settings):
    with FakeProvider() as fake:
        settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
        settings.TWILIO_AUTH_TOKEN = "test-auth-token-0123456789abcdef"
        settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "2" * 32
        settings.TWILIO_VERIFY_SERVICE_SID = "VA" + "3" * 32
        settings.TWILIO_API_URL = fake.url
        yield fake


def test_ticking_sms_reminders_asks_for_the_code_inside_the_flow(phone, salon, fake_twilio):
    from privacy.selectors import has_consent

    page = phone
    customer = UserFactory(phone=None)
    _log_in(page, customer)
    page.goto(f"/s/salong-mobil/{salon.pk}/")
    page.get_by_test_id("next-week").click()
    page.wait_for_load_state("networkidle")
    page.locator("input[type=radio][name=start]").first.check()
    page.get_by_role("button", name="Fortsett").click()
    page.wait_for_url("**/book/**")
    page.fill("textarea[name=notes]", "Kort i nakken")
    page.locator("input[name=sms_notifications]").check()
    page.get_by_role("button", name="Bestill", exact=True).click()

    # Not verified: the code step, then back to the booking.
    page.wait_for_url("**/accounts/phone/verify/**")
    assert Booking.objects.count() == 0
    _assert_no_sideways_scroll(page)
    page.fill("input[name=phone-phone]", "912 34 567")
    page.get_by_role("button", name="Send kode").click()
    page.wait_for_selector("input[name=code-code]")
    assert fake_twilio.accepted("/Verifications")[0].data["To"] == "+4791234567"
    page.fill("input[name=code-code]", fake_twilio.verification_codes["+4791234567"])
    page.locator("main form button[type=submit]").first.click()

    page.wait_for_url("**/book/**")
    assert page.get_by_test_id("phone-verified-notice").is_visible()
    assert page.locator("textarea[name=notes]").input_value() == "Kort i nakken"
    assert page.locator("input[name=sms_notifications]").is_checked()
    page.get_by_role("button", name="Bestill", exact=True).click()
    page.wait_for_url("**/my/bookings/BK-*/")
    booking = Booking.objects.get(customer=customer)
    assert booking.customer_notes == "Kort i nakken"
    customer.refresh_from_db()
    assert customer.has_verified_phone
    assert has_consent(subject=customer, purpose="sms_notifications")


def test_customer_pages_do_not_scroll_sideways_and_the_header_fits(phone, salon):
    from privacy.reference_data import reference_data_ensure
    from privacy.request_desk import request_submit

    reference_data_ensure()  # the shipped privacy policy, as on a real install
    page = phone
    customer = UserFactory(full_name="Kari Nordmann-Sørensen")
    day = timezone.now().astimezone(OSLO).date() + timedelta(days=10)
    upcoming = booking_create(
        customer=customer, service=salon, start=datetime.combine(day, time(10), tzinfo=OSLO)
    )
    gone = booking_create(
        customer=customer, service=salon, start=datetime.combine(day, time(11), tzinfo=OSLO)
    )
    booking_cancel(booking=gone, by_user=customer, by_supplier=False, reason="Syk")
    start = _local(upcoming.start + timedelta(hours=3)).isoformat()
    # Requests the customer has made are listed in a table on /privacy/requests/.
    request_submit(type="rectification", channel="web", user=customer, details="Feil adresse")
    request_submit(type="restriction", channel="web", user=customer)

    anonymous = [
        "/",
        "/s/salong-mobil/",
        f"/s/salong-mobil/{salon.pk}/",
        "/privacy/",
        "/cookies/",
        "/cookies/settings/",
        "/privacy/requests/",
        "/privacy/processors/",
        "/accounts/login/",
    ]
    for path in anonymous:
        page.goto(path)
        _dismiss_cookie_banner(page)
        _assert_no_sideways_scroll(page)

    _log_in(page, customer)
    signed_in = [
        "/",
        f"/s/salong-mobil/{salon.pk}/",
        f"/book/{salon.pk}/confirm/?start={start.replace('+', '%2B')}",
        "/my/bookings/",
        f"/my/bookings/{upcoming.reference}/",
        f"/my/bookings/{gone.reference}/",
        f"/my/bookings/{upcoming.reference}/cancel/",
        f"/my/bookings/{upcoming.reference}/reschedule/",
        "/privacy/",
        "/privacy/requests/",
        "/privacy/centre/",
        "/cookies/settings/",
        "/accounts/phone/verify/",
    ]
    for path in signed_in:
        response = page.goto(path)
        assert response.status == 200, path
        _assert_no_sideways_scroll(page)
        header = page.locator(".site-header").bounding_box()
        # The header fits: nothing in it past the right edge, and it leaves the screen to the page.
        assert header["height"] < HEIGHT / 3, (path, header)
        for control in page.locator(".site-header a, .site-header button").all():
            box = control.bounding_box()  # None: hidden (the current language on a phone)
            assert box is None or box["x"] + box["width"] <= WIDTH, path


def test_day_picker_works_without_javascript(browser, live_server, salon):
    context = browser.new_context(
        base_url=live_server.url,
        locale="nb-NO",
        viewport={"width": WIDTH, "height": HEIGHT},
        java_script_enabled=False,
    )
    page = context.new_page()
    try:
        customer = UserFactory()
        _log_in(page, customer)
        page.goto(f"/s/salong-mobil/{salon.pk}/")
        first_title = page.get_by_test_id("day-title").inner_text()
        page.get_by_test_id("next-day").click()
        page.wait_for_url("**date=*")
        assert page.get_by_test_id("day-title").inner_text() != first_title
        page.get_by_test_id("first-available").click()
        page.wait_for_url("**start=*")
        chosen = page.locator("input[name=start]:checked").get_attribute("value")
        page.get_by_role("button", name="Fortsett").click()
        # Back from the confirm page: the same day, the same time still selected.
        page.get_by_role("link", name="Velg en annen tid").click()
        assert page.locator("input[name=start]:checked").get_attribute("value") == chosen
        page.get_by_role("button", name="Fortsett").click()
        page.get_by_role("button", name="Bestill", exact=True).click()
        page.wait_for_url("**/my/bookings/BK-*/")
        assert Booking.objects.get(customer=customer).start == datetime.fromisoformat(chosen)
    finally:
        context.close()
