"""The admin side of weekly hours: the supplier's hours inline on the supplier page, a staff
member's own (overriding) hours on the resource page, both scoped to the staff's supplier."""

from datetime import time

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from bookings.models import SupplierOpeningHours
from bookings.selectors import slots_for_service

from .conftest import OSLO, at, staff_for
from .factories import ResourceFactory, ServiceFactory, SupplierFactory

pytestmark = pytest.mark.django_db

PREFIX = "opening_hours"


@pytest.fixture
def mine(db):
    return SupplierFactory(slug="mine", name="Mine")


@pytest.fixture
def theirs(db):
    return SupplierFactory(slug="theirs", name="Theirs")


@pytest.fixture
def staff_client(client, mine):
    client.force_login(staff_for(mine))
    return client


def supplier_url(supplier) -> str:
    return reverse("admin:bookings_supplier_change", args=[supplier.pk])


def resource_url(resource) -> str:
    return reverse("admin:bookings_resource_change", args=[resource.pk])


def _as_post(value) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    return value


def form_data(response) -> dict:
    """What the browser would send back unchanged: the main form and every inline's forms."""
    form = response.context["adminform"].form
    data = {name: _as_post(form[name].value()) for name in form.fields}
    data = {name: value for name, value in data.items() if value != ""}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        for child in formset.initial_forms:
            for name in child.fields:
                value = _as_post(child[name].value())
                if value != "":
                    data[child.add_prefix(name)] = value
        data[f"{formset.prefix}-TOTAL_FORMS"] = len(formset.initial_forms)
    return data


def with_rows(data: dict, rows: list[tuple[int, str, str]]) -> dict:
    first = int(data[f"{PREFIX}-INITIAL_FORMS"])
    for offset, (weekday, opens, closes) in enumerate(rows):
        index = first + offset
        data[f"{PREFIX}-{index}-weekday"] = weekday
        data[f"{PREFIX}-{index}-start_time"] = opens
        data[f"{PREFIX}-{index}-end_time"] = closes
    data[f"{PREFIX}-TOTAL_FORMS"] = first + len(rows)
    return data


def test_supplier_page_has_the_hours_inline_with_the_rule(staff_client, mine):
    response = staff_client.get(supplier_url(mine))
    assert response.status_code == 200
    [inline] = [
        inline
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == PREFIX
    ]
    assert inline.formset.model is SupplierOpeningHours
    with translation.override("en"):
        assert "Everyone without opening hours of their own follows these" in str(
            inline.opts.description
        )
    assert escape(str(inline.opts.description)) in response.content.decode()


def test_staff_sets_salon_hours_and_staff_without_hours_get_slots(staff_client, mine, monday):
    ingrid = ResourceFactory(supplier=mine, hours=[])
    service = ServiceFactory(supplier=mine, resources=[ingrid])
    data = with_rows(
        form_data(staff_client.get(supplier_url(mine))),
        [(monday.weekday(), "10:00", "11:00")],
    )
    response = staff_client.post(supplier_url(mine), data)
    assert response.status_code == 302, response.context["errors"]
    assert list(
        SupplierOpeningHours.objects.values_list("supplier", "weekday", "start_time", "end_time")
    ) == [(mine.pk, monday.weekday(), time(10), time(11))]
    availability = slots_for_service(
        service=service, date_from=monday, date_to=monday, now=at(monday, 6)
    )
    assert [f"{s.start.astimezone(OSLO):%H:%M}" for s in availability.slots] == ["10:00", "10:30"]


def test_overlapping_salon_hours_are_a_form_error(staff_client, mine):
    data = with_rows(
        form_data(staff_client.get(supplier_url(mine))),
        [(0, "09:00", "12:00"), (0, "11:00", "15:00")],
    )
    response = staff_client.post(supplier_url(mine), data)
    assert response.status_code == 200
    assert "overlap" in response.content.decode()
    assert not SupplierOpeningHours.objects.exists()


def test_another_suppliers_hours_are_out_of_reach(staff_client, mine, theirs):
    SupplierOpeningHours.objects.create(
        supplier=theirs, weekday=0, start_time=time(9), end_time=time(17)
    )
    assert staff_client.get(supplier_url(theirs)).status_code == 404
    data = with_rows(form_data(staff_client.get(supplier_url(mine))), [(1, "08:00", "09:00")])
    assert staff_client.post(supplier_url(theirs), data).status_code == 404
    assert list(SupplierOpeningHours.objects.values_list("supplier", "weekday")) == [(theirs.pk, 0)]


def test_resource_page_explains_that_own_hours_override(staff_client, mine):
    resource = ResourceFactory(supplier=mine, hours=[])
    response = staff_client.get(resource_url(resource))
    assert response.status_code == 200
    [inline] = response.context["inline_admin_formsets"]
    with translation.override("en"):
        description = str(inline.opts.description)
    assert "Leave empty to follow the supplier's opening hours" in description
    assert "a weekday without a row is a day off" in description
    assert escape(str(inline.opts.description)) in response.content.decode()


def test_staff_removes_own_hours_and_the_resource_follows_the_salon(staff_client, mine, monday):
    SupplierOpeningHours.objects.create(
        supplier=mine, weekday=monday.weekday(), start_time=time(10), end_time=time(11)
    )
    kari = ResourceFactory(supplier=mine, hours=[(monday.weekday(), time(15), time(16))])
    service = ServiceFactory(supplier=mine, resources=[kari])

    def starts() -> list[str]:
        slots = slots_for_service(
            service=service, date_from=monday, date_to=monday, now=at(monday, 6)
        ).slots
        return [f"{s.start.astimezone(OSLO):%H:%M}" for s in slots]

    assert starts() == ["15:00", "15:30"]
    data = form_data(staff_client.get(resource_url(kari)))
    data[f"{PREFIX}-0-DELETE"] = "on"
    response = staff_client.post(resource_url(kari), data)
    assert response.status_code == 302
    assert not kari.opening_hours.exists()
    assert starts() == ["10:00", "10:30"]


def test_resource_list_says_who_follows_the_salon(staff_client, mine, theirs):
    ResourceFactory(supplier=mine, name="Ingrid", hours=[])
    ResourceFactory(supplier=mine, name="Kari", hours=[(0, time(12), time(16))])
    ResourceFactory(supplier=theirs, name="Foreign", hours=[])
    response = staff_client.get(reverse("admin:bookings_resource_changelist"))
    rows = {r.name: r.has_own_hours for r in response.context["cl"].result_list}
    assert rows == {"Ingrid": False, "Kari": True}
    body = response.content.decode()
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        assert escape(gettext("Follows the supplier's")) in body
        assert f'<td class="field-hours_source">{escape(gettext("Own"))}</td>' in body
