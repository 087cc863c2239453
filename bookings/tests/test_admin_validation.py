"""Admin input validation: out-of-range numbers, reminder offsets, autocomplete ids, labels."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise

from bookings.models import (
    Booking,
    BusyBlock,
    DateException,
    OpeningHours,
    Resource,
    Service,
    Supplier,
)
from bookings.services import booking_create

from .conftest import at
from .factories import ResourceFactory, ServiceFactory

pytestmark = pytest.mark.django_db

CATALOGUE = Path(__file__).resolve().parent.parent / "locale/nb/LC_MESSAGES/django.po"


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def admin_url(model, name: str, *args) -> str:
    return reverse(f"admin:bookings_{model._meta.model_name}_{name}", args=args)


def change_form_data(client, url: str) -> dict:
    """The admin change form's current values, as the browser would post them back."""
    response = client.get(url)
    form = response.context["adminform"].form
    data = {}
    for inline in response.context["inline_admin_formsets"]:  # the inlines' empty rows
        management = inline.formset.management_form
        data.update(
            {management.add_prefix(name): management[name].value() for name in management.fields}
        )
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = "" if value is None else value
    return data


def form_errors(response) -> dict:
    return response.context["adminform"].form.errors


# --- 1. numbers a salon would never use, which used to break slots, bookings and lists --------

SERVICE_LIMITS = [
    ("duration_minutes", 4, 5, 1440, 1441),
    ("buffer_before_minutes", None, 0, 1440, 1441),
    ("buffer_after_minutes", None, 0, 1440, 1441),
    ("slot_interval_minutes", 4, 5, 1440, 1441),
    ("minimum_notice_minutes", None, 0, 525_600, 525_601),
    ("booking_horizon_days", 0, 1, 730, 731),
    # price_ore is typed in kroner in the admin: its limits are in test_admin_prices.py.
    ("sort_order", None, 0, 9999, 10_000),
]


@pytest.mark.parametrize(("field", "too_low", "lowest", "highest", "too_high"), SERVICE_LIMITS)
def test_service_numbers_out_of_range_are_form_errors(
    staff_client, service, field, too_low, lowest, highest, too_high
):
    url = admin_url(Service, "change", service.pk)
    before = getattr(service, field)
    data = change_form_data(staff_client, url)
    for value in (too_high, 2_147_483_647, too_low):
        if value is None:
            continue
        response = staff_client.post(url, {**data, field: value})
        assert response.status_code == 200, value
        assert list(form_errors(response)) == [field], value
        code = form_errors(response)[field].as_data()[0].code
        assert code == ("max_value" if value > highest else "min_value")
        service.refresh_from_db()
        assert getattr(service, field) == before
    for value in (lowest, highest):
        response = staff_client.post(url, {**data, field: value})
        assert response.status_code == 302, form_errors(response)
        service.refresh_from_db()
        assert getattr(service, field) == value


def test_service_deposit_out_of_range_is_a_form_error(staff_client, service):
    url = admin_url(Service, "change", service.pk)
    data = change_form_data(staff_client, url)
    # Not a deposit service, so clean() does not compare deposit and price: the field's own
    # limit has to catch it.
    response = staff_client.post(url, {**data, "deposit_ore": 2_147_483_647})
    assert response.status_code == 200
    assert list(form_errors(response)) == ["deposit_ore"]
    service.refresh_from_db()
    assert service.deposit_ore is None


def test_supplier_cancellation_deadline_out_of_range_is_a_form_error(staff_client, supplier):
    url = admin_url(Supplier, "change", supplier.pk)
    data = change_form_data(staff_client, url)
    for value in (8761, 2_147_483_647):
        response = staff_client.post(url, {**data, "cancellation_deadline_hours": value})
        assert response.status_code == 200
        assert list(form_errors(response)) == ["cancellation_deadline_hours"]
    supplier.refresh_from_db()
    assert supplier.cancellation_deadline_hours == 24
    response = staff_client.post(url, {**data, "cancellation_deadline_hours": 8760})
    assert response.status_code == 302
    supplier.refresh_from_db()
    assert supplier.cancellation_deadline_hours == 8760


def test_resource_sort_order_out_of_range_is_a_form_error(staff_client, resource):
    url = admin_url(Resource, "change", resource.pk)
    data = {
        "name": resource.name,
        "kind": resource.kind,
        "is_active": "on",
        "sort_order": 2_147_483_647,
        "opening_hours-TOTAL_FORMS": 0,
        "opening_hours-INITIAL_FORMS": 0,
        "opening_hours-MIN_NUM_FORMS": 0,
        "opening_hours-MAX_NUM_FORMS": 1000,
    }
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert list(form_errors(response)) == ["sort_order"]
    resource.refresh_from_db()
    assert resource.sort_order == 0


# --- 2. reminder offsets: a short list of distinct minutes, not any JSON at all ---------------


@pytest.mark.parametrize(
    "raw",
    [
        '"abc"',
        '[-5, "x", 99999999999]',
        "[0]",
        "[20161]",
        "[60.5]",
        "[true]",
        "[60, 60]",
        "[[60], [60]]",
        '[{"minutes": 60}]',
        "[10, 20, 30, 40, 50, 60]",
        '{"minutes": 60}',
        "60",
    ],
)
def test_bad_reminder_offsets_are_a_form_error(staff_client, supplier, raw):
    url = admin_url(Supplier, "change", supplier.pk)
    data = change_form_data(staff_client, url)
    response = staff_client.post(url, {**data, "reminder_offsets_minutes": raw})
    assert response.status_code == 200
    assert list(form_errors(response)) == ["reminder_offsets_minutes"]
    error = form_errors(response)["reminder_offsets_minutes"].as_data()[0]
    assert error.code == "invalid_reminder_offsets"
    with translation.override("en"):  # the source text is what the catalogue lists
        assert error.message in catalogue_msgids()
    supplier.refresh_from_db()
    assert supplier.reminder_offsets_minutes == [24 * 60, 2 * 60]


def test_good_reminder_offsets_are_saved(staff_client, supplier):
    url = admin_url(Supplier, "change", supplier.pk)
    data = change_form_data(staff_client, url)
    offsets = "[20160, 2880, 1440, 120, 1]"
    response = staff_client.post(url, {**data, "reminder_offsets_minutes": offsets})
    assert response.status_code == 302, form_errors(response)
    supplier.refresh_from_db()
    assert supplier.reminder_offsets_minutes == [20160, 2880, 1440, 120, 1]


# --- 3. an id the autocomplete field cannot read is "not a valid choice", not a 500 ----------


@pytest.mark.parametrize("model", [DateException, BusyBlock])
@pytest.mark.parametrize("value", ["abc", "1.5", "99999999999999999999999"])
def test_autocomplete_field_with_garbage_id_is_a_form_error(
    staff_client, resource, monday, model, value
):
    day = timezone.localtime(at(monday, 12)).date().isoformat()
    data = {
        "resource": value,
        "date": day,
        "is_closed": "on",
        "start_0": day,
        "start_1": "12:00",
        "end_0": day,
        "end_1": "13:00",
        "note": "garbage",
        "reason": "garbage",
    }
    before = model.objects.count()
    response = staff_client.post(admin_url(model, "add"), data)
    assert response.status_code == 200
    assert list(form_errors(response)) == ["resource"]
    assert form_errors(response)["resource"].as_data()[0].code == "invalid_choice"
    assert model.objects.count() == before


@pytest.mark.parametrize("model", [DateException, BusyBlock])
def test_autocomplete_field_with_garbage_initial_id_renders(staff_client, model):
    # The add page takes initial values from the query string and renders them the same way.
    response = staff_client.get(admin_url(model, "add"), {"resource": "abc"})
    assert response.status_code == 200


def test_autocomplete_field_keeps_a_valid_choice_selected(staff_client, resource):
    response = staff_client.post(admin_url(BusyBlock, "add"), {"resource": resource.pk})
    assert response.status_code == 200  # the times are missing
    assert "resource" not in form_errors(response)
    body = response.content.decode()
    assert re.search(rf'<option value="{resource.pk}" selected>{resource.name}</option>', body)


# --- 4. every relation has a translated label -----------------------------------------------


def catalogue_msgids() -> list[str]:
    """Every msgid of the Bokmål catalogue, continuation lines joined (the header left out)."""
    text = CATALOGUE.read_text(encoding="utf-8")
    blocks = re.findall(r'^msgid ((?:".*"\n)+)', text, re.MULTILINE)
    msgids = ["".join(ast.literal_eval(line) for line in block.splitlines()) for block in blocks]
    return [msgid for msgid in msgids if msgid]


def relation_fields() -> list[models.Field]:
    from django.apps import apps

    return [
        field
        for model in apps.get_app_config("bookings").get_models()
        for field in model._meta.get_fields(include_hidden=False)
        if field.is_relation and field.concrete
    ]


@pytest.mark.parametrize("field", relation_fields(), ids=str)
def test_every_relation_has_a_translatable_label(field):
    # An automatic verbose_name is the bare field name: English on the Norwegian admin.
    assert isinstance(field.verbose_name, Promise), field
    assert field.verbose_name._args[0] in catalogue_msgids(), field


def test_catalogue_has_no_duplicate_msgids():
    msgids = catalogue_msgids()
    assert sorted({m for m in msgids if msgids.count(m) > 1}) == []


def test_booking_admin_labels_are_norwegian(staff_client, supplier, service, resource, monday):
    booking = booking_create(customer=None, service=service, start=at(monday, 10))
    # The list filters only show with two or more choices to pick from.
    other = ServiceFactory(supplier=supplier, resources=[ResourceFactory(supplier=supplier)])
    booking_create(customer=None, service=other, start=at(monday, 10))
    client = staff_client
    with translation.override("nb"):
        change = client.get(admin_url(Booking, "change", booking.pk), HTTP_ACCEPT_LANGUAGE="nb")
        changelist = client.get(admin_url(Booking, "changelist"), HTTP_ACCEPT_LANGUAGE="nb")
    body = change.content.decode()
    assert "Tjeneste:" in body and "Ressurs:" in body and "Leverandør:" in body
    assert "Service:" not in body and "Resource:" not in body and "Supplier:" not in body
    listing = changelist.content.decode()
    assert "Etter ressurs" in listing and "Etter tjeneste" in listing
    assert "Etter resource" not in listing and "Etter service" not in listing


# --- 5. one clear message when an opening closes before it opens ------------------------------


def test_opening_hours_closing_before_opening_gives_one_clear_error(staff_client, resource):
    resource.opening_hours.all().delete()
    prefix = "opening_hours"
    data = {
        "name": resource.name,
        "kind": resource.kind,
        "is_active": "on",
        "sort_order": 0,
        f"{prefix}-TOTAL_FORMS": 1,
        f"{prefix}-INITIAL_FORMS": 0,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
        f"{prefix}-0-weekday": 0,
        f"{prefix}-0-start_time": "17:00",
        f"{prefix}-0-end_time": "09:00",
    }
    with translation.override("nb"):
        response = staff_client.post(
            admin_url(Resource, "change", resource.pk), data, HTTP_ACCEPT_LANGUAGE="nb"
        )
    assert response.status_code == 200
    row = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert row.errors == {"end_time": ["Stengetid må være etter åpningstid."]}
    body = response.content.decode()
    assert "bookings_openinghours_end_after_start" not in body
    assert body.count("Stengetid må være etter åpningstid.") == 1
    assert not OpeningHours.objects.filter(resource=resource).exists()


def test_busy_block_ending_before_it_starts_gives_one_clear_error(staff_client, resource, monday):
    day = timezone.localtime(at(monday, 12)).date().isoformat()
    data = {
        "resource": resource.pk,
        "start_0": day,
        "start_1": "13:00",
        "end_0": day,
        "end_1": "12:00",
        "note": "backwards",
    }
    response = staff_client.post(admin_url(BusyBlock, "add"), data)
    assert response.status_code == 200
    assert list(form_errors(response)) == ["end"]
    assert "bookings_busyblock_end_after_start" not in response.content.decode()
    assert not BusyBlock.objects.filter(note="backwards").exists()


def test_check_constraints_have_translated_messages():
    from django.apps import apps

    for model in apps.get_app_config("bookings").get_models():
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.CheckConstraint):
                message = constraint.violation_error_message
                assert isinstance(message, Promise), constraint.name
                assert message._args[0] in catalogue_msgids(), constraint.name
