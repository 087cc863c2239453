"""The cookie banner in a real browser: nothing optional before consent, no third-party request,
tags only after "Accept all", GPC honoured, and everything works with the keyboard alone.

The tag script URLs point at a local HTTP server started here: the internet is never reached.
"""

import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from privacy.models import ConsentEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NECESSARY = {"csrftoken", "sessionid", "django_language", "bt_consent_id"}


class TagServer:
    """Serves stand-ins for gtag.js / fbevents.js and records that they were requested."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                server.paths.append(self.path)
                body = b"window.__tagLoaded = (window.__tagLoaded || 0) + 1;"
                self.send_response(200)
                self.send_header("Content-Type", "application/javascript")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> "TagServer":
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def tag_server(settings):
    with TagServer() as server:
        settings.GOOGLE_ANALYTICS_ID = "G-BROWSER"
        settings.GOOGLE_ADS_ID = "AW-BROWSER"
        settings.META_PIXEL_ID = "777"
        settings.GOOGLE_TAG_SCRIPT_URL = server.url + "/gtag/js"
        settings.META_PIXEL_SCRIPT_URL = server.url + "/fbevents.js"
        yield server


def _cookie_names(page) -> set[str]:
    return {cookie["name"] for cookie in page.context.cookies()}


def _consent_id(page) -> uuid.UUID:
    value = next(c["value"] for c in page.context.cookies() if c["name"] == "bt_consent_id")
    return uuid.UUID(value)


def test_fresh_visit_makes_no_third_party_request_and_sets_no_optional_cookie(page, tag_server):
    page.goto("/")
    page.wait_for_load_state("networkidle")
    banner = page.get_by_test_id("cookie-banner")
    assert banner.is_visible()
    assert page.request_log.non_local() == []
    assert tag_server.paths == []
    assert _cookie_names(page) <= {"csrftoken"}
    # Equal size and prominence for the three answers.
    boxes = [
        page.get_by_test_id(t).bounding_box()
        for t in ("cookie-accept", "cookie-reject", "cookie-choose")
    ]
    assert len({(round(b["width"]), round(b["height"])) for b in boxes}) == 1


def test_reject_all_records_the_choice_and_still_loads_nothing(page, tag_server):
    page.goto("/")
    with page.expect_navigation():
        page.get_by_test_id("cookie-reject").click()
    page.wait_for_load_state("networkidle")
    assert not page.get_by_test_id("cookie-banner").is_visible()
    assert tag_server.paths == []
    assert page.request_log.non_local() == []
    assert _cookie_names(page) <= NECESSARY
    events = ConsentEvent.objects.filter(subject_id=_consent_id(page))
    assert sorted((e.purpose, e.granted, e.source) for e in events) == [
        ("advertising_cookies", False, "banner"),
        ("analytics_cookies", False, "banner"),
    ]
    page.reload()
    assert tag_server.paths == []


def test_accept_all_loads_the_tags(page, tag_server):
    page.goto("/")
    with page.expect_navigation():  # POST, then the redirect back to the page
        page.get_by_test_id("cookie-accept").click()
    page.wait_for_function("window.__tagLoaded >= 2")
    assert any(p.startswith("/gtag/js?id=G-BROWSER") for p in tag_server.paths)
    assert "/fbevents.js" in tag_server.paths
    assert page.evaluate("window.dataLayer.length") >= 3  # js + two config calls
    assert page.request_log.non_local() == []  # the stand-in tag server is local


def test_gpc_is_a_refusal_and_is_shown(browser, live_server, tag_server):
    context = browser.new_context(base_url=live_server.url, extra_http_headers={"Sec-GPC": "1"})
    page = context.new_page()
    try:
        page.goto("/")
        assert page.get_by_test_id("gpc-notice").first.is_visible()
        assert page.get_by_test_id("cookie-accept").is_disabled()
        page.get_by_test_id("cookie-reject").click()
        page.wait_for_load_state("networkidle")
        assert tag_server.paths == []
        consent_id = uuid.UUID(
            next(c["value"] for c in context.cookies() if c["name"] == "bt_consent_id")
        )
        assert not ConsentEvent.objects.filter(subject_id=consent_id, granted=True).exists()
    finally:
        context.close()


def test_keyboard_only_use_of_the_banner(page, tag_server):
    page.goto("/")
    # Skip link first, then the banner's text link, then its buttons: reachable at once.
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.testid") == "cookie-choose":
            break
    assert page.evaluate("document.activeElement.dataset.testid") == "cookie-choose"
    page.keyboard.press("Enter")  # expands the choices (JavaScript) and focuses the first box
    assert page.locator("#cookie-banner-choices").is_visible()
    assert page.evaluate("document.activeElement.name") == "analytics_cookies"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # past the advertising box to "Save choices"
    assert page.evaluate("document.activeElement.value") == "save"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_function("window.__tagLoaded >= 1")
    events = {
        e.purpose: e.granted for e in ConsentEvent.objects.filter(subject_id=_consent_id(page))
    }
    assert events == {"analytics_cookies": True, "advertising_cookies": False}
    assert "/fbevents.js" not in tag_server.paths


def test_cookie_settings_link_reopens_the_banner(page, tag_server):
    page.goto("/")
    with page.expect_navigation():
        page.get_by_test_id("cookie-reject").click()
    page.wait_for_load_state("networkidle")
    assert not page.get_by_test_id("cookie-banner").is_visible()
    page.locator("footer a[data-cookie-settings]").click()
    assert page.get_by_test_id("cookie-banner").is_visible()
    assert page.evaluate("document.activeElement.dataset.testid") == "cookie-accept"


TRACKERS = {"_ga", "_ga_BROWSER", "_gid", "_gcl_au", "_fbp"}


def _plant_trackers(page) -> None:
    """What gtag.js and the Meta pixel leave behind: on the parent domain (their default,
    "auto") and on the host itself."""
    for name in TRACKERS:
        page.evaluate(f"document.cookie = '{name}=1.1.42; path=/; domain=bt.test'")
    page.evaluate("document.cookie = '_ga=host.only; path=/'")


@pytest.fixture
def bt_test_page(browser, live_server, settings):
    """A browser that reaches the live server as www.bt.test, so parent-domain cookies exist."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, ".bt.test"]
    from .conftest import CHROMIUM

    port = live_server.url.rsplit(":", 1)[1]
    other = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP *.bt.test 127.0.0.1"],
    )
    context = other.new_context(base_url=f"http://www.bt.test:{port}", locale="nb-NO")
    try:
        yield context.new_page()
    finally:
        context.close()
        other.close()


def test_withdrawal_deletes_analytics_and_advertising_cookies(bt_test_page, tag_server):
    page = bt_test_page
    page.goto("/")
    with page.expect_navigation():
        page.get_by_test_id("cookie-accept").click()
    _plant_trackers(page)
    assert _cookie_names(page) >= TRACKERS

    # Withdraw on the settings page: the response expires them for the host and bt.test.
    page.goto("/cookies/settings/")
    with page.expect_navigation():
        page.locator("#cookie-settings-form button[value='reject_all']").click()
    assert not _cookie_names(page) & TRACKERS, page.context.cookies()

    # A tag cached before the withdrawal sets one again: the banner script removes it.
    _plant_trackers(page)
    page.reload()
    page.wait_for_load_state("load")
    assert not _cookie_names(page) & TRACKERS, page.context.cookies()
