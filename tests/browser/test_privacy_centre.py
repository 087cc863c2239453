"""The privacy centre and the cookie choice work without JavaScript, with no third-party request."""

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from accounts.tests.factories import TEST_PASSWORD, UserFactory
from privacy.selectors import has_consent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def no_js_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


def _log_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")


def test_toggles_work_without_javascript(no_js_page):
    # Earlier transactional tests flush the tables, including the role groups a migration made.
    for role in roles.ALL_ROLES:
        Group.objects.get_or_create(name=role)
    user = UserFactory()
    _log_in(no_js_page, user)
    no_js_page.goto("/privacy/centre/")
    from playwright.sync_api import expect

    state = no_js_page.get_by_test_id("state-sms_notifications")
    no_js_page.locator("#purpose-sms_notifications").get_by_role("button").click()
    expect(state).to_have_text("På")  # the page after the POST-redirect-GET
    assert has_consent(subject=user, purpose="sms_notifications")
    no_js_page.locator("#purpose-sms_notifications").get_by_role("button").click()
    expect(state).to_have_text("Av")
    assert not has_consent(subject=user, purpose="sms_notifications")


def test_choose_without_javascript_goes_to_the_settings_page(no_js_page):
    no_js_page.goto("/")
    no_js_page.get_by_test_id("cookie-choose").click()
    no_js_page.wait_for_url("**/cookies/settings/**")
    no_js_page.check("#cookie-analytics_cookies-page")
    no_js_page.locator("#cookie-settings-form button[value=save]").click()
    no_js_page.wait_for_load_state("networkidle")
    consent_id = next(
        c["value"] for c in no_js_page.context.cookies() if c["name"] == "bt_consent_id"
    )
    assert has_consent(subject=consent_id, purpose="analytics_cookies")
    assert not has_consent(subject=consent_id, purpose="advertising_cookies")


def test_privacy_pages_make_no_third_party_requests(page):
    for url in ("/privacy/", "/cookies/", "/privacy/processors/", "/contact/"):
        page.goto(url)
        page.wait_for_load_state("networkidle")
    assert page.request_log.non_local() == []
