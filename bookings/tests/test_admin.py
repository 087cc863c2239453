"""Supplier admin: every admin class is scoped to the staff member's own supplier."""

from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib import admin as django_admin
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.tests.factories import StaffUserFactory, UserFactory
from bookings.models import (
    Booking,
    BusyBlock,
    CalendarFeedToken,
    DateException,
    OpeningHours,
    Resource,
    Service,
    Supplier,
    SupplierStaff,
)
from bookings.services import booking_create
from privacy.models import AuditEntry

from .conftest import at, staff_for
from .factories import ResourceFactory, ServiceFactory, SupplierFactory

pytestmark = pytest.mark.django_db


class World:
    """Two suppliers with one of everything each; staff of the first one logged in."""

    def __init__(self, monday):
        self.mine = SupplierFactory(slug="mine", name="Mine")
        self.theirs = SupplierFactory(slug="theirs", name="Theirs")
        self.objects = {}
        for key, supplier in (("mine", self.mine), ("theirs", self.theirs)):
            resource = ResourceFactory(supplier=supplier, name=f"{key}-resource")
            service = ServiceFactory(supplier=supplier, resources=[resource], name=f"{key}-svc")
            customer = UserFactory()
            self.objects[key] = {
                Supplier: supplier,
                Resource: resource,
                Service: service,
                OpeningHours: resource.opening_hours.first(),
                DateException: DateException.objects.create(
                    supplier=supplier, date=monday + timedelta(days=14), reason=f"{key}-closed"
                ),
                BusyBlock: BusyBlock.objects.create(
                    resource=resource, start=at(monday, 15), end=at(monday, 16), note=f"{key}-bb"
                ),
                Booking: booking_create(customer=customer, service=service, start=at(monday, 10)),
                SupplierStaff: SupplierStaff.objects.create(
                    user=StaffUserFactory(), supplier=supplier
                ),
            }
        self.staff = staff_for(self.mine)


@pytest.fixture
def world(monday):
    return World(monday)


def admin_url(model, name, *args):
    return reverse(f"admin:bookings_{model._meta.model_name}_{name}", args=args)


SCOPED = [Supplier, Resource, Service, OpeningHours, DateException, BusyBlock, Booking]


def test_every_bookings_model_admin_is_scoped():
    from bookings.admin.scoping import SupplierScopedAdmin

    registered = [m for m in django_admin.site._registry if m._meta.app_label == "bookings"]
    assert set(registered) == {*SCOPED, SupplierStaff, CalendarFeedToken}
    for model in registered:
        assert isinstance(django_admin.site._registry[model], SupplierScopedAdmin), model


@pytest.mark.parametrize("model", SCOPED)
def test_changelist_and_object_urls_are_scoped(staff_client, world, model):
    mine, theirs = world.objects["mine"][model], world.objects["theirs"][model]
    response = staff_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["cl"].queryset}
    assert mine.pk in shown and theirs.pk not in shown
    assert staff_client.get(admin_url(model, "change", mine.pk)).status_code == 200
    assert staff_client.get(admin_url(model, "change", theirs.pk)).status_code == 404
    assert staff_client.get(admin_url(model, "history", theirs.pk)).status_code == 404
    assert staff_client.get(admin_url(model, "delete", theirs.pk)).status_code in (403, 404)
    assert staff_client.post(admin_url(model, "change", theirs.pk), {}).status_code in (403, 404)


def test_supplier_staff_admin_is_for_administrators_only(staff_client, world):
    obj = world.objects["theirs"][SupplierStaff]
    assert staff_client.get(admin_url(SupplierStaff, "changelist")).status_code == 403
    assert staff_client.get(admin_url(SupplierStaff, "change", obj.pk)).status_code in (403, 404)


@pytest.mark.parametrize(
    ("model", "field", "related"),
    [
        (Service, "resources", Resource),
        (DateException, "resource", Resource),
        (BusyBlock, "resource", Resource),
    ],
)
def test_foreign_key_choices_are_scoped(staff_client, world, model, field, related):
    form = staff_client.get(admin_url(model, "add")).context["adminform"].form
    choices = set(form.fields[field].queryset.values_list("pk", flat=True))
    assert world.objects["mine"][related].pk in choices
    assert world.objects["theirs"][related].pk not in choices
    assert "supplier" not in form.fields  # staff never choose a supplier


def test_autocomplete_is_scoped(staff_client, world):
    response = staff_client.get(
        "/admin/autocomplete/",
        {"app_label": "bookings", "model_name": "busyblock", "field_name": "resource", "term": ""},
    )
    assert response.status_code == 200
    ids = {int(row["id"]) for row in response.json()["results"]}
    assert ids == {world.objects["mine"][Resource].pk}


def test_filters_only_offer_own_resources(staff_client, world):
    response = staff_client.get(admin_url(Booking, "changelist"))
    body = response.content.decode()
    assert "mine-resource" in body and "theirs-resource" not in body
    assert "theirs-svc" not in body


def test_actions_cannot_touch_another_suppliers_booking(staff_client, world):
    theirs = world.objects["theirs"][Booking]
    mine = world.objects["mine"][Booking]
    response = staff_client.post(
        admin_url(Booking, "changelist"),
        {
            "action": "cancel_with_reason",
            "_selected_action": [theirs.pk, mine.pk],
            "apply": "1",
            "reason": "Sick",
        },
    )
    assert response.status_code == 302
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.status == "confirmed"
    assert mine.status == "cancelled" and mine.cancellation_reason == "Sick"
    assert mine.cancelled_by == "supplier"


def test_cancel_action_asks_for_a_reason_first(staff_client, world):
    mine = world.objects["mine"][Booking]
    response = staff_client.post(
        admin_url(Booking, "changelist"),
        {"action": "cancel_with_reason", "_selected_action": [mine.pk]},
    )
    assert response.status_code == 200 and 'name="reason"' in response.content.decode()
    mine.refresh_from_db()
    assert mine.status == "confirmed"


def test_confirm_and_mark_actions(staff_client, world):
    mine = world.objects["mine"][Booking]
    staff_client.post(
        admin_url(Booking, "changelist"),
        {"action": "mark_no_show", "_selected_action": [mine.pk]},
    )
    mine.refresh_from_db()
    assert mine.status == "confirmed"  # not started yet: refused with a message
    Booking.objects.filter(pk=mine.pk).update(
        start=mine.start - timedelta(days=30),
        end=mine.end - timedelta(days=30),
        blocked_start=mine.start - timedelta(days=30),
        blocked_end=mine.end - timedelta(days=30),
    )
    staff_client.post(
        admin_url(Booking, "changelist"),
        {"action": "mark_completed", "_selected_action": [mine.pk]},
    )
    mine.refresh_from_db()
    assert mine.status == "completed"


def test_overlapping_opening_hours_are_a_form_error(staff_client, world):
    resource = world.objects["mine"][Resource]
    resource.opening_hours.all().delete()
    prefix = "opening_hours"
    data = {
        "name": resource.name,
        "kind": "staff",
        "is_active": "on",
        "sort_order": 0,
        f"{prefix}-TOTAL_FORMS": 2,
        f"{prefix}-INITIAL_FORMS": 0,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
        f"{prefix}-0-weekday": 0,
        f"{prefix}-0-start_time": "09:00",
        f"{prefix}-0-end_time": "12:00",
        f"{prefix}-1-weekday": 0,
        f"{prefix}-1-start_time": "11:30",
        f"{prefix}-1-end_time": "15:00",
    }
    response = staff_client.post(admin_url(Resource, "change", resource.pk), data)
    assert response.status_code == 200
    assert "overlap" in response.content.decode()  # "overlaps" / "overlapper"
    assert resource.opening_hours.count() == 0
    data[f"{prefix}-1-start_time"] = "12:30"
    response = staff_client.post(admin_url(Resource, "change", resource.pk), data)
    assert response.status_code == 302
    assert resource.opening_hours.count() == 2


def test_staff_add_gets_their_own_supplier(staff_client, world):
    response = staff_client.post(
        admin_url(Resource, "add"),
        {
            "name": "Ny",
            "kind": "room",
            "sort_order": 0,
            "is_active": "on",
            "opening_hours-TOTAL_FORMS": 0,
            "opening_hours-INITIAL_FORMS": 0,
            "opening_hours-MIN_NUM_FORMS": 0,
            "opening_hours-MAX_NUM_FORMS": 1000,
        },
    )
    assert response.status_code == 302
    assert Resource.objects.get(name="Ny").supplier == world.mine


def test_block_time_refuses_active_bookings(staff_client, world, monday):
    resource = world.objects["mine"][Resource]
    local = timezone.localtime
    data = {
        "resource": resource.pk,
        "start_0": local(at(monday, 10)).date().isoformat(),
        "start_1": "10:00",
        "end_0": local(at(monday, 10)).date().isoformat(),
        "end_1": "11:00",
        "note": "x",
    }
    response = staff_client.post(admin_url(BusyBlock, "add"), data)
    assert response.status_code == 200 and BusyBlock.objects.filter(note="x").count() == 0
    data.update({"start_1": "12:00", "end_1": "13:00"})
    assert staff_client.post(admin_url(BusyBlock, "add"), data).status_code == 302
    assert BusyBlock.objects.get(note="x").resource == resource


def test_phone_booking(staff_client, world, monday):
    service = world.objects["mine"][Service]
    url = reverse("admin:bookings_booking_phone")
    page = staff_client.get(url)
    assert page.status_code == 200
    assert set(page.context["form"].fields["service"].queryset) == {service}
    foreign = world.objects["theirs"][Service]
    data = {
        "service": foreign.pk,
        "date": monday.isoformat(),
        "time": "12:00",
        "customer_email": "ny@example.com",
        "customer_name": "Ola Ny",
        "customer_phone": "+4791234567",
    }
    assert staff_client.post(url, data).status_code == 200  # not a valid choice
    data["service"] = service.pk
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    booking = Booking.objects.get(customer__contact_email="ny@example.com")
    assert booking.status == "confirmed" and booking.created_by == world.staff
    data["time"] = "07:00"
    response = staff_client.post(url, data)
    assert response.status_code == 200 and "errornote" in response.content.decode()


def test_calendar_view_is_scoped(staff_client, world, monday):
    url = reverse("admin:bookings_booking_calendar")
    for span in ("day", "week"):
        response = staff_client.get(url, {"date": monday.isoformat(), "span": span})
        body = response.content.decode()
        assert response.status_code == 200
        assert world.objects["mine"][Booking].reference in body
        assert "mine-bb" in body
        assert world.objects["theirs"][Booking].reference not in body
        assert "theirs-resource" not in body
    assert staff_client.get(url, {"date": "garbage"}).status_code == 200


def test_administrator_sees_everything(client, world):
    administrator = StaffUserFactory(role=roles.ADMINISTRATOR)
    TOTP.activate(administrator, generate_totp_secret())
    client.force_login(administrator)
    for model in SCOPED:
        theirs = world.objects["theirs"][model]
        assert client.get(admin_url(model, "change", theirs.pk)).status_code == 200, model


def test_staff_without_membership_sees_nothing(client, world):
    loner = StaffUserFactory()
    TOTP.activate(loner, generate_totp_secret())
    client.force_login(loner)
    booking = world.objects["mine"][Booking]
    assert client.get(admin_url(Booking, "change", booking.pk)).status_code in (403, 404)


def test_administrator_books_by_phone_for_any_supplier(client, world, monday):
    """The Administrator role (not only superusers) works on every supplier's calendar."""
    administrator = StaffUserFactory(role=roles.ADMINISTRATOR)
    TOTP.activate(administrator, generate_totp_secret())
    client.force_login(administrator)
    theirs = world.objects["theirs"][Service]
    response = client.post(
        reverse("admin:bookings_booking_phone"),
        {
            "service": theirs.pk,
            "date": monday.isoformat(),
            "time": "12:00",
            "customer_email": "via-admin@example.com",
            "customer_name": "Kari Admin",
            "customer_phone": "+4791234567",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    booking = Booking.objects.get(customer__contact_email="via-admin@example.com")
    assert booking.supplier == world.theirs and booking.created_by == administrator


def test_export_action_writes_only_own_bookings_as_csv(staff_client, world):
    theirs = world.objects["theirs"][Booking]
    mine = world.objects["mine"][Booking]
    mine.customer.full_name = '=HYPERLINK("http://evil.example")'
    mine.customer.save(update_fields=["full_name"])
    response = staff_client.post(
        admin_url(Booking, "changelist"),
        {"action": "export_csv", "_selected_action": [theirs.pk, mine.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="bookings-')
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = [line.split(";") for line in text.removeprefix("\ufeff").split("\r\n") if line]
    assert len(rows) == 2  # the header and my one booking: theirs was never selectable
    assert rows[1][0] == mine.reference and theirs.reference not in text
    local = timezone.localtime(mine.start)
    assert rows[1][1:3] == [local.strftime("%Y-%m-%d"), local.strftime("%H:%M")]
    # A customer-typed formula reaches the spreadsheet as text, not as a formula.
    assert '"\'=HYPERLINK(""http://evil.example"")"' in text
    # The export is in the audit trail: who and how many rows, no names or addresses.
    entry = AuditEntry.objects.get(action="admin.exported")
    assert entry.actor_public_id == world.staff.public_id
    assert entry.details == {"model": "bookings.booking", "rows": 1}


def test_export_action_needs_a_selection(staff_client, world):
    response = staff_client.post(
        admin_url(Booking, "changelist"), {"action": "export_csv", "_selected_action": []}
    )
    # Django answers with the list page and its "select items" message, not an empty file.
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_service_list_writes_prices_as_receipts_do(staff_client, world):
    # One NOK formatter: the service list reads like a receipt (decimal comma, grouped kroner).
    Service.objects.filter(pk=world.objects["mine"][Service].pk).update(price_ore=123_450)
    response = staff_client.get(admin_url(Service, "changelist"))
    assert "1\u00a0234,50\u00a0kr" in response.content.decode()


def test_block_time_success_message_shows_the_suppliers_local_time(staff_client, world, monday):
    resource = world.objects["mine"][Resource]
    data = {
        "resource": resource.pk,
        "start_0": monday.isoformat(),
        "start_1": "12:00",
        "end_0": monday.isoformat(),
        "end_1": "13:30",
        "note": "lunsj",
    }
    response = staff_client.post(admin_url(BusyBlock, "add"), data, follow=True)
    shown = " ".join(str(message) for message in response.context["messages"])
    # The staff member typed 12:00–13:30 Oslo time; the message must not say 11:00 (UTC).
    assert "12:00–13:30" in shown, shown
