"""No English where a Bokmål reader looks: pages, the admin, e-mails, receipts, the export summary.

tests/test_translations.py proves that every string in the code has a Bokmål translation; this
file renders what people actually read with Bokmål active and looks for English that slipped
through some other way: text that was never marked for translation, labels Django makes up from
field names, texts kept in the database, amounts written the English way.
"""

from __future__ import annotations

import contextlib
import re
import zipfile
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from pprint import pformat

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.template.loader import render_to_string
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.functional import Promise

from accounts import roles
from accounts.tests.factories import TEST_PASSWORD, StaffUserFactory, UserFactory
from bookings import services as booking_services
from bookings.models import SupplierStaff
from bookings.selectors import slots_for_service
from bookings.tests.factories import ResourceFactory, ServiceFactory, SupplierFactory
from bookingtjeneste.money import format_nok
from notifications.models import Message
from notifications.rendering import message_render
from payments.models import Payment, Receipt
from payments.services import payment_refresh, payment_start
from payments.tests.factories import PaymentSettingsFactory
from payments.tests.fixtures import eager_tasks, stripe_fake  # noqa: F401
from privacy.export import export_build, export_file_path
from privacy.request_desk import request_submit
from privacy.retention import RULES, retention_rule_description

pytestmark = pytest.mark.django_db

# Words and phrases of English UI text that do not occur in Bokmål. Chosen to avoid Norwegian
# homographs ("for", "service", "status", "total", "time", "note", "start" are Norwegian too)
# and brand names (Bookingtjeneste, Google, Stripe, Vipps).
ENGLISH = re.compile(
    r"\b(?:Booking|Bookings|booking|bookings|Cancel|cancel|Cancelled|cancelled|Save|Delete|"
    r"Receipt|receipt|Retention|retention|Refund|refunded|Price|Amount|Customer|customer|"
    r"Payment|payment|Description|Search|Change|Add|Enabled|enabled|Created|created|Updated|"
    r"updated|Deleted|deleted|Yes|Your|your|You|you|the|The|and|with|of|is|are|has|have|"
    r"been|will|this|This|please|Please|when|When|which|from|days|minutes|hours|Thank|Thanks|"
    r"Welcome|Hello|Name|name|Phone|phone|E-mail address|Email|email|Date|What|Who|"
    r"Where|Rule|rule|Rows|Period|period|Category|category|Request|request|Requests|"
    r"Settings|Privacy|privacy|Consent|consent|Export|Download|Contact|Log in|Log out|"
    r"Sign in|Sign up|Next|Previous|Back|Continue|Confirm|Submit|Select|Choose|Reason|"
    r"Staff|staff|Supplier|supplier|Opening hours|opening hours|Incl|incl|VAT|"
    r"due|Due|Paid|paid|Pending|pending|Confirmed|confirmed|NOK)\b"
)
# An amount as Bokmål writes it: "1 890,00 kr" (no-break spaces), never "1,890.00" or "890 NOK".
ENGLISH_AMOUNT = re.compile(r"\b\d{1,3}(?:,\d{3})+\.\d{2}\b|\b\d+\.\d{2} ?(?:kr|NOK)\b|\d NOK\b")
# Addresses and links are not language; neither is machine-readable data shown as such, nor
# proper names: the EU–US transfer framework and the browsers' privacy signals.
NOT_TEXT = re.compile(
    r"\S+@\S+|https?://\S+|/[\w/.-]+|Data Privacy Framework|Global Privacy Control|Do Not Track"
)


class VisibleText(HTMLParser):
    """The text a reader sees or hears: text nodes, alt/title/aria-label/placeholder, button
    values; skips scripts, styles, <pre> data dumps and anything marked lang="en" (the
    language switcher's own name for English).

    `labels_only` (the admin) also skips what people typed or the data holds, which is in
    whatever language it was written: the rows of a change list, read-only field values, text
    areas, the values a list can be filtered on, and the object's name in the title and
    breadcrumbs."""

    SKIP = {"script", "style", "pre", "code", "textarea"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}
    ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")
    DATA_CLASSES = {"readonly", "breadcrumbs", "data"}

    def __init__(self, *, labels_only: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.labels_only = labels_only
        self.parts: list[str] = []
        self.stack: list[bool] = []  # per open element: is its content skipped?
        self.in_result_list = False
        self.in_filter = False

    def _is_data(self, tag: str, attributes: dict) -> bool:
        if not self.labels_only:
            return False
        if tag == "table":
            self.in_result_list = attributes.get("id") == "result_list"
        if attributes.get("id") == "changelist-filter":
            self.in_filter = True
        classes = set((attributes.get("class") or "").split())
        return (
            tag == "title"
            or bool(classes & self.DATA_CLASSES)
            or (tag == "tbody" and self.in_result_list)
            or (tag == "ul" and self.in_filter)  # the values filtered on; the headings stay
        )

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        skipped = bool(self.stack and self.stack[-1]) or tag in self.SKIP
        skipped = skipped or (attributes.get("lang") or "").startswith("en")
        skipped = skipped or self._is_data(tag, attributes)
        if not skipped:
            self.parts += [attributes[name] or "" for name in self.ATTRIBUTES if name in attributes]
            if tag == "input" and attributes.get("type") in ("submit", "button"):
                self.parts.append(attributes.get("value") or "")
        if tag not in self.VOID:
            self.stack.append(skipped)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def visible_text(html: str, *, labels_only: bool = False) -> list[str]:
    """The page's text pieces (each text node or attribute on its own), addresses removed."""
    parser = VisibleText(labels_only=labels_only)
    parser.feed(html)
    pieces = (" ".join(NOT_TEXT.sub(" ", part).split()) for part in parser.parts)
    return [piece for piece in pieces if piece]


def english_in(pieces: list[str] | str) -> list[str]:
    """The pieces of text with English words or English-looking amounts in them, once each."""
    if isinstance(pieces, str):
        pieces = [pieces]
    return sorted(
        {piece[:160] for piece in pieces if ENGLISH.search(piece) or ENGLISH_AMOUNT.search(piece)}
    )


@pytest.fixture
def world(settings, tmp_path, stripe_fake, eager_tasks, django_capture_on_commit_callbacks):  # noqa: F811
    # Messages go out after commit (some are rendered only then): run those callbacks.
    with django_capture_on_commit_callbacks(execute=True):
        return _world(settings, tmp_path, stripe_fake)


def _world(settings, tmp_path, fake_stripe) -> dict:
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    settings.LANGUAGE_CODE = "nb"
    for role in roles.ALL_ROLES:
        Group.objects.get_or_create(name=role)
    roles.roles_ensure()
    supplier = SupplierFactory(slug="salong-test", name="Salong Test", city="Fredrikstad")
    PaymentSettingsFactory(supplier=supplier, enabled_providers=["stripe"])
    resource = ResourceFactory(supplier=supplier, name="Ingrid")
    service = ServiceFactory(
        supplier=supplier,
        resources=[resource],
        name="Dameklipp",
        price_ore=189_000,
        payment_mode="full",
    )
    free = ServiceFactory(supplier=supplier, resources=[resource], name="Konsultasjon")
    customer = UserFactory(full_name="Kari Nordmann", preferred_language="nb")
    today = timezone.localdate()
    slots = slots_for_service(
        service=service, date_from=today + timedelta(days=3), date_to=today + timedelta(days=10)
    ).slots
    paid = booking_services.booking_create(
        customer=customer, service=service, start=slots[0].start, resource=resource
    )
    payment = payment_start(booking=paid, provider_identifier="stripe", user=customer)
    fake_stripe.complete(payment.provider_reference)
    payment_refresh(payment=payment)
    moved = booking_services.booking_create(
        customer=customer, service=free, start=slots[4].start, resource=resource
    )
    booking_services.booking_reschedule(booking=moved, start=slots[6].start, by_user=customer)
    cancelled = booking_services.booking_create(
        customer=customer, service=free, start=slots[8].start, resource=resource
    )
    booking_services.booking_cancel(booking=cancelled, by_user=customer, by_supplier=False)
    unpaid = booking_services.booking_create(
        customer=customer, service=service, start=slots[10].start, resource=resource
    )
    access = request_submit(type="access", channel="centre", user=customer)
    request_submit(type="erasure", channel="centre", user=customer)
    superuser = StaffUserFactory(role=roles.ADMINISTRATOR, is_superuser=True)
    SupplierStaff.objects.create(user=superuser, supplier=supplier)
    TOTP.activate(superuser, generate_totp_secret())
    return {
        "supplier": supplier,
        "service": service,
        "customer": customer,
        "paid": paid,
        "moved": moved,
        "payment": Payment.objects.get(pk=payment.pk),
        "receipt": Receipt.objects.get(order__booking=paid),
        "access": access,
        "unpaid": unpaid,
        "admin": superuser,
    }


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="nb")
    client.cookies["django_language"] = "nb"
    client.force_login(user)
    return client


def _read(client: Client, url: str) -> list[str]:
    response = client.get(url, follow=True)
    assert response.status_code in (200, 404), f"{url}: {response.status_code}"
    return visible_text(response.content.decode())


def test_customer_pages_are_bokmal(world):
    client = _client(world["customer"])
    supplier, service, paid = world["supplier"], world["service"], world["paid"]
    urls = [
        reverse("bookings:home"),
        reverse("bookings:supplier", args=[supplier.slug]),
        reverse("bookings:service", args=[supplier.slug, service.pk]),
        reverse("bookings:my_bookings"),
        reverse("bookings:booking_detail", args=[paid.reference]),
        reverse("bookings:booking_detail", args=[world["moved"].reference]),
        reverse("payments:receipt", args=[world["receipt"].public_id]),
        reverse("payments:return", args=[world["payment"].public_id]),
        reverse("privacy:centre"),
        reverse("privacy:requests"),
        reverse("privacy:processors"),
        reverse("privacy:contact"),
        reverse("payments:choose", args=[world["unpaid"].reference]),
        reverse("privacy:policy"),
        reverse("privacy:cookies"),
        reverse("privacy:cookie-settings"),
        reverse("bookings:cancel", args=[world["moved"].reference]),
        reverse("bookings:reschedule", args=[world["moved"].reference]),
        reverse("mfa_index"),
        reverse("account_email"),
        reverse("account_change_password"),
        reverse("notifications:phone-verify"),
        reverse("accounts:profile"),
        "/finnes-ikke/",
    ]
    problems = {url: english_in(_read(client, url)) for url in urls}
    problems = {url: found for url, found in problems.items() if found}
    assert not problems, pformat(problems)


def test_emails_are_bokmal(world):
    export_build(request=world["access"])
    # Reminders are rendered when they fall due; everything already sent has its text.
    messages = [
        message
        for message in Message.objects.filter(language="nb")
        if message.body_text or message.body_html
    ]
    keys = {message.template_key for message in messages}
    assert {"booking_confirmation", "booking_change", "booking_cancellation", "receipt"} <= keys
    assert "privacy_export_ready" in keys
    problems = {}
    for message in messages:
        lines = [
            NOT_TEXT.sub(" ", line) for line in [message.subject, *message.body_text.split("\n")]
        ]
        found = english_in(lines) + english_in(visible_text(message.body_html))
        if found:
            problems[f"{message.template_key}/{message.channel}"] = found
    assert not problems, pformat(problems)


def test_export_summary_is_bokmal(world):
    request = export_build(request=world["access"])
    with zipfile.ZipFile(export_file_path(request.export_path)) as archive:
        summary = archive.read("index.html").decode()
    found = english_in(visible_text(summary, labels_only=True))
    assert not found, pformat(found)


def _admin_urls() -> list[tuple[str, str]]:
    """(url, the name of the object it shows or "") for every registered model's pages."""
    urls = [(reverse("admin:index"), "")]
    # The admin's own pages beyond add/change/list: the calendar, phone booking, exports, the
    # DPO's record of processing and consent proof.
    for name in (
        "bookings_booking_calendar",
        "bookings_booking_phone",
        "payments_receipt_export",
        "privacy_consent_proof",
        "privacy_consent_withdraw",
        "privacy_record_of_processing",
    ):
        urls.append((reverse(f"admin:{name}"), ""))
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append((reverse("admin:{}_{}_changelist".format(*info)), ""))
        with contextlib.suppress(NoReverseMatch):
            urls.append((reverse("admin:{}_{}_add".format(*info)), ""))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append((reverse("admin:{}_{}_change".format(*info), args=[first.pk]), str(first)))
    return urls


# Django's search icon has alt="Search" written into admin/search_form.html, not translatable.
DJANGO_UNTRANSLATABLE = {"Search"}
# Known gaps, each with the reason it is still English. Field labels Django makes up from a
# field's name need a verbose_name, which is a migration in the app that owns the model; the
# apps below had none assigned this round. Third-party models (allauth) label their own fields.
KNOWN_GAPS = {
    "Created at": "allauth Authenticator.created_at",
    "Created at:": "allauth Authenticator.created_at",
    "Etter created at": "the same allauth field as a list filter",
    "Settings:": "allauth SocialApp.settings",
}


def test_admin_is_bokmal(world):
    client = _client(world["admin"])
    problems = {}
    for url, object_name in _admin_urls():
        response = client.get(url)
        if response.status_code in (302, 403):  # an add form the model does not offer
            continue
        assert response.status_code == 200, f"{url}: {response.status_code}"
        found = english_in(visible_text(response.content.decode(), labels_only=True))
        ignored = DJANGO_UNTRANSLATABLE | set(KNOWN_GAPS) | {object_name}
        found = [piece for piece in found if piece not in ignored]
        if found:
            problems[url] = found
    assert not problems, pformat(problems)


def test_marker_finds_english_and_spares_bokmal():
    assert english_in("Your booking is confirmed")
    assert english_in("Amount: 1,890.00")
    assert english_in("890,00 NOK")
    with translation.override("nb"):
        assert english_in("Bestillingen din er bekreftet. Pris: 1\u00a0890,00\u00a0kr") == []
    switcher = '<a lang="en" href="/i18n/">English</a><pre>{"name": "Kari"}</pre>'
    assert english_in(visible_text(switcher)) == []


def test_every_retention_rule_says_what_it_does_in_both_languages():
    # The descriptions are the code's, translated when shown (no English copy in the database).
    for rule in RULES:
        assert isinstance(rule.description, Promise), rule.key
        with translation.override("nb"):
            bokmal = retention_rule_description(rule.key)
        with translation.override("en"):
            english = retention_rule_description(rule.key)
        assert bokmal != english, rule.key
        assert english_in(bokmal) == [], rule.key


def test_retention_rules_admin_in_the_readers_language(world):
    client = _client(world["admin"])
    url = reverse("admin:privacy_retentionrule_changelist")
    bokmal = client.get(url).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Kopier fra kontaktskjemaet slettes" in bokmal
    assert "Contact-form copies deleted" in english
    assert "Contact-form copies deleted" not in bokmal


def test_processor_register_in_the_readers_language(client):
    # The shipped register (migrations 0006, 0018): one service text per language.
    url = reverse("privacy:processors")
    bokmal = client.get(url, HTTP_ACCEPT_LANGUAGE="nb").content.decode()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Webhotell" in bokmal and "Web hosting" not in bokmal
    assert "Web hosting" in english and "Webhotell" not in english


def _notification_templates() -> list[tuple[str, str]]:
    """(template key, channel) for every outbox template in every app."""
    found = set()
    for app in apps.get_app_configs():
        root = Path(app.path) / "templates" / "notifications"
        for name, channel in (("subject.txt", "email"), ("sms.txt", "sms")):
            for path in root.rglob(name):
                found.add((str(path.parent.relative_to(root)), channel))
    return sorted(found)


def test_every_notification_template_is_bokmal(world):
    """Each e-mail and SMS template in Bokmål, with the conditions that add text switched on."""
    paid, receipt = world["paid"], world["receipt"]
    amount = format_nok(receipt.total_ore)
    context = {
        "booking": paid,
        "recipient": world["customer"],
        "supplier": world["supplier"],
        "supplier_name": "Salong Test",
        "seller_name": "Salong Test",
        "booking_reference": paid.reference,
        "reference": paid.reference,
        "receipt_number": receipt.number,
        "lines": [{"description": "Dameklipp", "amount": amount, "vat": amount, "vat_rate": "25"}],
        "total": amount,
        "vat": amount,
        "amount": amount,
        "due_at_venue": amount,
        "vat_registered": True,
        "slot_taken": True,
        "by_supplier": True,
        "within_deadline": True,
        "reason": "Kunden ringte",
        "days": 30,
        "count": 2,
    }
    problems = {}
    templates = _notification_templates()
    assert len(templates) >= 20
    for key, channel in templates:
        rendered = message_render(template_key=key, channel=channel, language="nb", context=context)
        lines = [rendered.subject, *rendered.body_text.split("\n")]
        found = english_in([NOT_TEXT.sub(" ", line) for line in lines])
        found += english_in(visible_text(rendered.body_html))
        if found:
            problems[f"{key}/{channel}"] = found
    assert not problems, pformat(problems)


@pytest.mark.parametrize("status", [400, 403, 404, 500, 503])
def test_error_pages_are_bokmal(rf, status):
    request = rf.get("/")
    with translation.override("nb"):
        html = render_to_string(f"errors/{status}.html", request=request)
    assert english_in(visible_text(html)) == []


def test_amounts_read_1_890_00_kr_on_every_page_that_shows_one(world):
    client = _client(world["customer"])
    supplier, service = world["supplier"], world["service"]
    for url in (
        reverse("bookings:supplier", args=[supplier.slug]),
        reverse("bookings:service", args=[supplier.slug, service.pk]),
        reverse("bookings:booking_detail", args=[world["paid"].reference]),
        reverse("payments:choose", args=[world["unpaid"].reference]),
        reverse("payments:receipt", args=[world["receipt"].public_id]),
        reverse("payments:return", args=[world["payment"].public_id]),
    ):
        html = client.get(url).content.decode()
        assert "1\u00a0890,00\u00a0kr" in html, url
        assert "NOK" not in " ".join(visible_text(html)), url
    receipt_mail = Message.objects.get(template_key="receipt")
    assert "1\u00a0890,00\u00a0kr" in receipt_mail.body_text
    assert "25\u00a0%" in receipt_mail.body_text


def test_a_bokmal_staff_member_on_an_english_browser_gets_the_admin_in_bokmal(world):
    # Signing in sets the language chosen in the profile (accounts.adapter), whatever the
    # browser asks for; Django's own admin strings then come in Bokmål too.
    staff = StaffUserFactory(role=roles.SUPPLIER_STAFF, preferred_language="nb")
    SupplierStaff.objects.create(user=staff, supplier=world["supplier"])
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    client = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en")
    client.post(reverse("account_login"), {"login": staff.email, "password": TEST_PASSWORD})
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    client.post(reverse("mfa_authenticate"), {"code": code})
    for url in (reverse("admin:index"), reverse("admin:bookings_booking_changelist")):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<html lang="nb"' in html, url
        found = english_in(visible_text(html, labels_only=True))
        assert set(found) <= DJANGO_UNTRANSLATABLE, url


def test_pages_for_visitors_who_are_not_signed_in_are_bokmal(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="nb")
    urls = [
        reverse("bookings:home"),
        reverse("bookings:supplier", args=[world["supplier"].slug]),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        reverse("privacy:requests"),
        reverse("privacy:contact"),
    ]
    problems = {url: english_in(_read(client, url)) for url in urls}
    problems = {url: found for url, found in problems.items() if found}
    assert not problems, pformat(problems)


@pytest.mark.parametrize(
    ("category_key", "data"),
    [
        ("phone_verification", {"verified_at": None, "verification_in_progress_for": []}),
        ("supplier_notices", {"daily_agendas_listing_you": [], "notice_addresses": []}),
    ],
)
def test_export_summary_labels_keys_that_name_no_model_field(category_key, data):
    from privacy.export import _summary_section
    from privacy.registry import registry

    category = registry.get(category_key)
    with translation.override("nb"):
        labels = [label for label, _value in _summary_section(category, data)["pairs"]]
    assert not set(labels) & set(data), labels  # no raw key is shown as a heading
    assert english_in(labels) == [], labels
