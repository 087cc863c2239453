"""The whole customer booking flow in a real browser, with no request to any third-party host."""

from datetime import datetime

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from accounts.tests.factories import TEST_PASSWORD, UserFactory
from bookings.models import Booking
from bookings.tests.factories import ResourceFactory, ServiceFactory, SupplierFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def salon():
    # transaction=True flushes the tables between tests, the migrated role groups included.
    for role in roles.ALL_ROLES:
        Group.objects.get_or_create(name=role)
    supplier = SupplierFactory(slug="salong-test", name="Salong Test", city="Fredrikstad")
    resource = ResourceFactory(supplier=supplier, name="Ingrid")
    ServiceFactory(supplier=supplier, resources=[resource], name="Dameklipp")
    return supplier


def _dismiss_cookie_banner(page) -> None:
    reject = page.get_by_test_id("cookie-reject")
    if reject.count() and reject.is_visible():
        reject.click()
        page.wait_for_load_state("networkidle")


def _choose_first_slot_next_week(page) -> str:
    page.get_by_test_id("next-week").click()
    page.wait_for_load_state("networkidle")
    first = page.locator("input[type=radio][name=start]").first
    value = first.get_attribute("value")
    first.check()
    return value


def test_customer_books_signs_in_confirms_and_cancels(page, salon):
    customer = UserFactory()
    page.goto("/")
    _dismiss_cookie_banner(page)
    page.get_by_role("link", name="Salong Test").click()
    page.get_by_role("link", name="Dameklipp").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Dameklipp"
    chosen = _choose_first_slot_next_week(page)
    page.get_by_role("button", name="Fortsett").click()

    # Not signed in: the login page, and the chosen slot survives the detour.
    page.wait_for_url("**/accounts/login/**")
    page.fill("input[name=login]", customer.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/book/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Bekreft bestillingen"
    assert not page.locator("input[name=sms_notifications]").is_checked()
    page.fill("textarea[name=notes]", "Første gang hos dere")
    page.get_by_role("button", name="Bestill", exact=True).click()

    page.wait_for_url("**/my/bookings/BK-*/")
    booking = Booking.objects.get(customer=customer)
    assert page.get_by_test_id("booking-reference").inner_text() == booking.reference
    assert "Bestillingen din er bekreftet" in page.content()
    ics = page.get_by_role("link", name="Legg til i kalender (.ics)")
    assert ics.get_attribute("href").endswith(f"/my/bookings/{booking.reference}/calendar.ics")
    assert booking.customer_notes == "Første gang hos dere"
    assert booking.start == datetime.fromisoformat(chosen)

    page.goto("/my/bookings/")
    card = page.get_by_test_id("upcoming-booking")
    assert booking.reference in card.inner_text()
    card.get_by_role("link", name="Avbestill").click()
    page.get_by_role("button", name="Avbestill timen").click()
    page.wait_for_url("**/my/bookings/")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED

    assert page.request_log.urls
    assert page.request_log.non_local() == []


def test_slot_picker_works_without_javascript(browser, live_server, salon):
    customer = UserFactory()
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, locale="nb-NO"
    )
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.fill("input[name=login]", customer.email)
        page.fill("input[name=password]", TEST_PASSWORD)
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state("networkidle")
        page.goto("/s/salong-test/")
        page.get_by_role("link", name="Dameklipp").first.click()
        _choose_first_slot_next_week(page)
        page.get_by_role("button", name="Fortsett").click()
        page.get_by_role("button", name="Bestill", exact=True).click()
        page.wait_for_url("**/my/bookings/BK-*/")
        assert Booking.objects.filter(customer=customer, status="confirmed").count() == 1
    finally:
        context.close()
