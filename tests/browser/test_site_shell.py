import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_switches_language_without_third_party_requests(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "nb"
    assert page.get_by_role("heading", level=1).inner_text() == "Bestill en time"

    page.get_by_test_id("language-en").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Book an appointment"

    assert page.request_log.urls, "the page made no requests at all?"
    assert page.request_log.non_local() == []


def test_footer_names_the_dpo_and_datatilsynet(page):
    page.goto("/")
    footer = page.locator("footer").inner_text()
    assert "Robert André Johansen" in footer
    assert "Datatilsynet" in footer


def test_keyboard_user_can_skip_to_content(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "innhold" in focused.lower() or "content" in focused.lower()
