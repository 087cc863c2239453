"""WCAG 2.1 AA (Norway's universal-design regulation): axe-core finds no violation on any page.

axe-core comes bundled in axe-playwright-python (axe.min.js inside the wheel) and is injected with
`page.evaluate`, so nothing is fetched at run time; the request log proves it for every page.
Each page is checked in Bokmål and in English, with the `lang` attribute the language's own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.auth.models import Group
from django.template import loader
from django.test import Client
from django.utils import timezone
from django.utils.timezone import localdate

from accounts import roles
from accounts.tests.factories import TEST_PASSWORD, StaffUserFactory, UserFactory
from bookings import services as booking_services
from bookings.models import SupplierStaff
from bookings.selectors import slots_for_service
from bookings.tests.factories import ResourceFactory, ServiceFactory, SupplierFactory
from privacy.request_desk import request_submit

axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# axe files landmarks and heading order under "best-practice", not WCAG: the issue asks for
# them too (they are how screen-reader users find their way), so those rules are switched on.
STRUCTURE_RULES = [
    "heading-order",
    "page-has-heading-one",
    "landmark-one-main",
    "landmark-unique",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-no-duplicate-main",
    "region",
    "skip-link",
]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": WCAG_21_AA},
    "rules": {rule: {"enabled": True} for rule in STRUCTURE_RULES},
    "resultTypes": ["violations"],
}
LANGUAGES = {"nb": "nb-NO", "en": "en-GB"}


@dataclass
class World:
    """What the pages show: one supplier with a service, a customer's booking, a DPO request."""

    customer: object
    admin: object
    supplier: object
    service: object
    booking: object
    unpaid: object  # waiting for prepayment
    free_start: str
    privacy_request: object


@pytest.fixture
def world() -> World:
    # transaction=True flushes the tables between tests, the migrated role groups included.
    for role in roles.ALL_ROLES:
        Group.objects.get_or_create(name=role)
    roles.roles_ensure()
    supplier = SupplierFactory(slug="salong-test", name="Salong Test", city="Fredrikstad")
    resource = ResourceFactory(supplier=supplier, name="Ingrid")
    service = ServiceFactory(supplier=supplier, resources=[resource], name="Dameklipp")
    customer = UserFactory(full_name="Kari Nordmann")
    today = timezone.localdate()
    slots = slots_for_service(
        service=service, date_from=today + timedelta(days=2), date_to=today + timedelta(days=9)
    ).slots
    booking = booking_services.booking_create(
        customer=customer, service=service, start=slots[0].start, resource=resource
    )
    prepaid = ServiceFactory(
        supplier=supplier, resources=[resource], name="Farging", payment_mode="full"
    )
    unpaid = booking_services.booking_create(
        customer=customer, service=prepaid, start=slots[2].start, resource=resource
    )
    admin = StaffUserFactory(role=roles.ADMINISTRATOR, is_superuser=True)
    SupplierStaff.objects.create(user=admin, supplier=supplier)
    TOTP.activate(admin, generate_totp_secret())
    privacy_request = request_submit(type="erasure", channel="centre", user=customer)
    return World(
        customer=customer,
        admin=admin,
        supplier=supplier,
        service=service,
        booking=booking,
        unpaid=unpaid,
        free_start=slots[1].start.isoformat(),
        privacy_request=privacy_request,
    )


@dataclass(frozen=True)
class Page:
    name: str
    path: Callable[[World], str]
    who: str | None = None  # "customer", "admin" or anonymous
    banner: bool = False  # keep the first-visit cookie banner open
    lands_on: str = ""  # the path after redirects, when it is not the requested one
    sign_in_as: str | None = None  # submit the login form on the page as this user first
    then: Callable | None = None  # bring the page into another state (errors shown, say)


def _submit_empty_form(page) -> None:
    """Send the page's form as it is, past the browser's own checks: the server's errors show."""
    form = page.locator("main form").last
    form.evaluate("form => { form.noValidate = true; }")
    form.locator("button[type=submit]").first.click()
    page.wait_for_load_state("load")


def _submit_without_csrf_token(page) -> None:
    page.locator("main form input[name=csrfmiddlewaretoken]").evaluate_all(
        "inputs => inputs.forEach(input => input.remove())"
    )
    _submit_empty_form(page)
    assert page.locator(".error-page").count() == 1  # the site's own CSRF failure page


def _open_cookie_choices(page) -> None:
    page.get_by_test_id("cookie-choose").click()
    page.locator("#cookie-banner-choices").wait_for(state="visible")


def _service_path(w: World) -> str:
    return f"/s/{w.supplier.slug}/{w.service.pk}/"


PAGES = [
    Page("home", lambda w: "/"),
    Page("home-cookie-banner", lambda w: "/", banner=True),
    Page("home-cookie-choices", lambda w: "/", banner=True, then=_open_cookie_choices),
    Page("supplier", lambda w: f"/s/{w.supplier.slug}/"),
    Page("service-slots", _service_path),
    Page(
        "booking-confirm",
        lambda w: f"/book/{w.service.pk}/confirm/?start={w.free_start.replace('+', '%2B')}",
        "customer",
    ),
    Page("booking-detail", lambda w: f"/my/bookings/{w.booking.reference}/", "customer"),
    Page("my-bookings", lambda w: "/my/bookings/", "customer"),
    Page(
        "booking-reschedule",
        lambda w: f"/my/bookings/{w.booking.reference}/reschedule/",
        "customer",
    ),
    Page("payment-choice", lambda w: f"/pay/{w.unpaid.reference}/", "customer"),
    Page("booking-cancel", lambda w: f"/my/bookings/{w.booking.reference}/cancel/", "customer"),
    Page("login", lambda w: "/accounts/login/"),
    Page("login-errors", lambda w: "/accounts/login/", then=_submit_empty_form),
    Page("signup", lambda w: "/accounts/signup/"),
    Page("signup-errors", lambda w: "/accounts/signup/", then=_submit_empty_form),
    Page("password-reset", lambda w: "/accounts/password/reset/"),
    Page("profile", lambda w: "/accounts/profile/", "customer"),
    Page("account-email", lambda w: "/accounts/email/", "customer"),
    Page("password-change", lambda w: "/accounts/password/change/", "customer"),
    Page("two-factor", lambda w: "/accounts/2fa/", "customer"),
    Page("reauthenticate", lambda w: "/accounts/reauthenticate/", "customer"),
    Page("phone-verify", lambda w: "/accounts/phone/verify/", "customer"),
    Page("staff-calendar-connections", lambda w: "/calendar/", "admin"),
    Page("privacy-centre", lambda w: "/privacy/centre/", "customer"),
    Page("privacy-policy", lambda w: "/privacy/"),
    Page("cookies", lambda w: "/cookies/"),
    Page("cookie-settings", lambda w: "/cookies/settings/"),
    Page("processors", lambda w: "/privacy/processors/"),
    Page("privacy-requests", lambda w: "/privacy/requests/"),
    Page("contact", lambda w: "/contact/"),
    Page("contact-errors", lambda w: "/contact/", then=_submit_empty_form),
    Page("not-found", lambda w: "/this-page-does-not-exist/"),
    Page("csrf-failure", lambda w: "/contact/", then=_submit_without_csrf_token),
    # The admin has no login form of its own: it sends staff to allauth's (then the TOTP step).
    Page("admin-login", lambda w: "/admin/login/?next=/admin/", lands_on="/accounts/login/"),
    Page(
        "admin-login-totp-step",
        lambda w: "/accounts/login/?next=/admin/",
        lands_on="/accounts/2fa/authenticate/",
        sign_in_as="admin",
    ),
    Page("admin-index", lambda w: "/admin/", "admin"),
    Page("admin-booking-changelist", lambda w: "/admin/bookings/booking/", "admin"),
    Page(
        "admin-booking-change",
        lambda w: f"/admin/bookings/booking/{w.booking.pk}/change/",
        "admin",
    ),
    Page(
        # On the booking's day, so the grid shows it (the widget's markup around events is
        # what axe has most to say about).
        "admin-calendar",
        lambda w: f"/admin/bookings/booking/calendar/?span=day&date={localdate(w.booking.start)}",
        "admin",
        lands_on="/admin/bookings/booking/calendar/",
        then=lambda page: page.locator("#booking-calendar article").first.wait_for(),
    ),
    Page(
        "admin-calendar-table",
        lambda w: "/admin/bookings/booking/calendar/?layout=table",
        "admin",
    ),
    Page("admin-privacy-request-desk", lambda w: "/admin/privacy/privacyrequest/", "admin"),
    Page(
        "admin-privacy-request-reject",
        lambda w: f"/admin/privacy/privacyrequest/{w.privacy_request.pk}/reject/",
        "admin",
    ),
    Page("admin-retention-rules", lambda w: "/admin/privacy/retentionrule/", "admin"),
    Page("admin-processors", lambda w: "/admin/privacy/processor/", "admin"),
    Page(
        "admin-privacy-request-change",
        lambda w: f"/admin/privacy/privacyrequest/{w.privacy_request.pk}/change/",
        "admin",
    ),
]


def _log_in(context, base_url: str, user) -> None:
    """Sign the browser in by handing it a session made by Django's test client.

    The login form itself is checked as a page; going through it for every page would only
    add the TOTP step for staff.
    """
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


def _report(results: dict) -> str:
    lines = [f"{len(results['violations'])} accessibility violation(s) on {results['url']}:"]
    for violation in results["violations"]:
        lines.append(f"\n[{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"    {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"  - {' '.join(map(str, node['target']))}")
            lines.append(f"    {node['html'][:300]}")
            for check in node.get("any", []) + node.get("all", []) + node.get("none", []):
                lines.append(f"      * {check['message']}")
    return "\n".join(lines)


def _assert_no_violations(page, language: str = "nb") -> None:
    # Desktop, then a 375 px phone (the layout reflows: tables scroll, the header wraps). The
    # English pages share the Bokmål pages' markup and reflow: desktop is enough for them.
    for width in (1280, 375) if language == "nb" else (1280,):
        page.set_viewport_size({"width": width, "height": 800})
        results = axe_sync.Axe().run(page, options=AXE_OPTIONS).response
        assert results["passes"], "axe checked nothing"
        assert results["violations"] == [], f"{language}, {width} px wide: {_report(results)}"


def _reject_optional_cookies(page) -> None:
    page.goto("/cookies/settings/")
    page.locator("#cookie-settings-form button[value=reject_all]").click()
    page.wait_for_load_state("load")


@pytest.mark.parametrize(
    "target", PAGES, ids=[p.name if isinstance(p, Page) else None for p in PAGES]
)
def test_page_has_no_wcag_21_aa_violations(browser, live_server, world, target):
    # Both languages in one test: the database set-up (and its flush) is most of the time.
    for language, locale in LANGUAGES.items():
        context = browser.new_context(base_url=live_server.url, locale=locale)
        try:
            _check_page(context, live_server.url, world, target, language)
        finally:
            context.close()


def _check_page(context, base_url: str, world: World, target: Page, language: str) -> None:
    if target.who:
        _log_in(context, base_url, getattr(world, target.who))
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    if not target.banner:
        _reject_optional_cookies(page)
    path = target.path(world)
    page.goto(path)
    page.wait_for_load_state("load")
    if target.sign_in_as:
        page.fill("input[name=login]", getattr(world, target.sign_in_as).email)
        page.fill("input[name=password]", TEST_PASSWORD)
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state("load")
    if target.then:
        target.then(page)
    # A redirect (to the login page, say) would check some other page than the one named.
    assert urlparse(page.url).path == (target.lands_on or urlparse(path).path)
    assert page.locator("html").get_attribute("lang") == language
    if target.banner:
        assert page.get_by_test_id("cookie-banner").is_visible()
    _assert_no_violations(page, language)
    assert [url for url in requests if not url.startswith(base_url)] == []


@pytest.mark.parametrize("template", ["errors/500.html", "errors/503.html"])
def test_static_error_pages_have_no_wcag_21_aa_violations(page, template):
    # These render without a request (nothing may fail twice), so no URL shows them on demand:
    # the browser gets the rendered page for a made-up path, with the site's real stylesheet.
    html = loader.get_template(template).render()
    page.route(
        "**/error-page-preview/",
        lambda route: route.fulfill(status=500, content_type="text/html; charset=utf-8", body=html),
    )
    page.goto("/error-page-preview/")
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "nb"
    assert page.locator("[lang=en]").count() >= 2  # the English half is marked as English
    _assert_no_violations(page)
    assert page.request_log.non_local() == []


# What the keyboard reaches, with where the focus ring is drawn: an outline sits outside the
# element (outline-offset), so it must stand out against the nearest background behind it.
_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  let behind = el.parentElement, background = 'rgb(255, 255, 255)';
  while (behind) {
    const colour = getComputedStyle(behind).backgroundColor;
    if (colour !== 'transparent' && !colour.startsWith('rgba(0, 0, 0, 0)')) {
      background = colour;
      break;
    }
    behind = behind.parentElement;
  }
  return {
    key: Array.from(document.querySelectorAll('*')).indexOf(el),
    name: el.tagName + ' ' + (el.getAttribute('aria-label') || el.textContent || el.name || '')
      .trim().slice(0, 40),
    style: style.outlineStyle, width: parseFloat(style.outlineWidth),
    color: style.outlineColor, background,
  };
}"""


def _luminance(css_colour: str) -> float:
    red, green, blue = (int(part) for part in re.findall(r"\d+", css_colour)[:3])

    def channel(value: int) -> float:
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def _contrast(first: str, second: str) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/contact/", "/cookies/settings/"])
def test_keyboard_focus_is_always_visible(page, path):
    """WCAG 2.4.7 and 1.4.11: every element Tab reaches shows a ring of at least 3:1 contrast."""
    page.goto(path)  # first visit: the cookie banner is open and in the tab order too
    page.wait_for_load_state("load")
    problems, reached = [], set()
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused is None or focused["key"] in reached:
            break
        reached.add(focused["key"])
        ratio = _contrast(focused["color"], focused["background"])
        if focused["style"] == "none" or focused["width"] < 2 or ratio < 3:
            problems.append(
                f"{focused['name']!r}: {focused['style']} {focused['width']}px "
                f"{focused['color']} on {focused['background']} ({ratio:.1f}:1)"
            )
    assert len(reached) > 5, f"Tab reached only {reached}"
    assert problems == [], "\n".join(problems)
