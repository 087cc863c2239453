"""Admin "Move booking": staff reschedule their own supplier's bookings via the service."""

from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from accounts import roles
from accounts.tests.factories import StaffUserFactory, UserFactory
from bookings.exceptions import CancellationDeadlinePassed
from bookings.models import Booking, BusyBlock
from bookings.services import booking_cancel, booking_create, booking_reschedule
from notifications.models import Message

from .conftest import OSLO, at, move_url, staff_for
from .factories import ResourceFactory, ServiceFactory, SupplierFactory

pytestmark = pytest.mark.django_db


class World:
    """Supplier "mine" (two resources, one booking at 10:00) and supplier "theirs"."""

    def __init__(self, monday):
        self.monday = monday
        self.mine = SupplierFactory(slug="mine", name="Mine")
        self.theirs = SupplierFactory(slug="theirs", name="Theirs")
        self.ingrid = ResourceFactory(supplier=self.mine, name="Ingrid")
        self.kari = ResourceFactory(supplier=self.mine, name="Kari")
        self.idle = ResourceFactory(supplier=self.mine, name="Idle")  # not on the service
        self.service = ServiceFactory(supplier=self.mine, resources=[self.ingrid, self.kari])
        self.foreign_resource = ResourceFactory(supplier=self.theirs, name="Foreign")
        foreign_service = ServiceFactory(supplier=self.theirs, resources=[self.foreign_resource])
        self.customer = UserFactory()
        self.booking = booking_create(
            customer=self.customer, service=self.service, start=at(monday, 10), resource=self.ingrid
        )
        self.foreign_booking = booking_create(
            customer=UserFactory(), service=foreign_service, start=at(monday, 10)
        )
        self.staff = staff_for(self.mine)


@pytest.fixture
def world(monday):
    return World(monday)


def move_data(world: World, *, hour: int, resource=None, day=None) -> dict:
    """The form sends the picked free time as local time with the supplier's offset."""
    day = day or world.monday
    return {
        "date": day.isoformat(),
        "start": at(day, hour).astimezone(OSLO).isoformat(),
        "resource": (resource or world.ingrid).pk,
    }


def unchanged(booking: Booking) -> bool:
    start, resource_id = booking.start, booking.resource_id
    booking.refresh_from_db()
    return booking.start == start and booking.resource_id == resource_id


def test_form_offers_only_own_resources_that_perform_the_service(staff_client, world):
    response = staff_client.get(move_url(world.booking))
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.fields["resource"].queryset) == {world.ingrid, world.kari}
    assert form.initial["resource"] == world.ingrid
    assert form.initial["date"] == world.monday


def test_staff_moves_own_booking(staff_client, world):
    response = staff_client.post(
        move_url(world.booking), move_data(world, hour=13, resource=world.kari)
    )
    assert response.status_code == 302
    assert response.url == reverse("admin:bookings_booking_change", args=[world.booking.pk])
    world.booking.refresh_from_db()
    assert world.booking.start == at(world.monday, 13)
    assert world.booking.end == at(world.monday, 13) + timedelta(minutes=30)
    assert world.booking.resource == world.kari
    assert world.booking.status == "confirmed"
    # booking_rescheduled was sent: the notifications app queued the change message.
    assert Message.objects.filter(booking=world.booking, template_key="booking_change").exists()
    stored = list(response.wsgi_request._messages)
    assert [m.level_tag for m in stored] == ["success"]


def test_conflict_is_a_form_error_and_nothing_changes(staff_client, world):
    booking_create(
        customer=UserFactory(),
        service=world.service,
        start=at(world.monday, 12),
        resource=world.kari,
    )
    response = staff_client.post(
        move_url(world.booking), move_data(world, hour=12, resource=world.kari)
    )
    assert response.status_code == 200
    # Kari's 12:00 is taken, so it is not among the free times offered: not a valid choice.
    assert response.context["form"].has_error("start", code="invalid_choice")
    assert unchanged(world.booking)
    assert not Message.objects.filter(booking=world.booking, template_key="booking_change").exists()


def test_busy_block_is_a_conflict_too(staff_client, world):
    BusyBlock.objects.create(
        resource=world.ingrid, start=at(world.monday, 14), end=at(world.monday, 15)
    )
    response = staff_client.post(move_url(world.booking), move_data(world, hour=14))
    assert response.context["form"].has_error("start", code="invalid_choice")
    assert unchanged(world.booking)


@pytest.mark.parametrize(("hour", "days"), [(7, 0), (20, 0), (12, -30)])
def test_times_outside_hours_or_past_are_form_errors(staff_client, world, hour, days):
    day = world.monday + timedelta(days=days)
    response = staff_client.post(move_url(world.booking), move_data(world, hour=hour, day=day))
    assert response.status_code == 200
    assert response.context["form"].has_error("start", code="invalid_choice")
    assert unchanged(world.booking)


def test_bad_input_shape_is_a_field_error(staff_client, world):
    response = staff_client.post(
        move_url(world.booking), {"date": "garbage", "start": "", "resource": ""}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"date", "start", "resource"}
    assert unchanged(world.booking)


@pytest.mark.parametrize("method", ["get", "post"])
def test_foreign_booking_is_not_found(staff_client, world, method):
    data = move_data(world, hour=13, resource=world.foreign_resource)
    response = getattr(staff_client, method)(move_url(world.foreign_booking), data)
    assert response.status_code == 404
    assert unchanged(world.foreign_booking)


@pytest.mark.parametrize("resource", ["foreign_resource", "idle"])
def test_resource_outside_the_choices_is_a_form_error(staff_client, world, resource):
    data = move_data(world, hour=13, resource=getattr(world, resource))
    response = staff_client.post(move_url(world.booking), data)
    assert response.status_code == 200
    assert response.context["form"].has_error("resource", code="invalid_choice")
    assert unchanged(world.booking)


def test_cancelled_booking_cannot_be_moved(staff_client, world):
    booking_cancel(booking=world.booking, by_user=world.staff, by_supplier=True)
    change_url = reverse("admin:bookings_booking_change", args=[world.booking.pk])
    assert staff_client.get(move_url(world.booking)).url == change_url
    response = staff_client.post(move_url(world.booking), move_data(world, hour=13))
    assert response.status_code == 302 and response.url == change_url
    assert unchanged(world.booking)
    assert {m.level_tag for m in response.wsgi_request._messages} == {"error"}
    assert b"/move/" not in staff_client.get(change_url).content


def test_staff_can_move_after_the_customer_deadline(staff_client, world):
    # A deadline of 60 days means it has long passed for a booking next week.
    world.mine.cancellation_deadline_hours = 60 * 24
    world.mine.save()
    world.booking.refresh_from_db()
    with pytest.raises(CancellationDeadlinePassed):
        booking_reschedule(
            booking=world.booking, start=at(world.monday, 13), by_user=world.customer
        )
    response = staff_client.post(move_url(world.booking), move_data(world, hour=13))
    assert response.status_code == 302
    world.booking.refresh_from_db()
    assert world.booking.start == at(world.monday, 13)


def test_administrator_moves_any_suppliers_booking(client, world):
    # Administrators have no supplier membership: the admin tells the service they act
    # for the supplier.
    administrator = StaffUserFactory(role=roles.ADMINISTRATOR)
    TOTP.activate(administrator, generate_totp_secret())
    client.force_login(administrator)
    data = move_data(world, hour=13, resource=world.foreign_resource)
    response = client.post(move_url(world.foreign_booking), data)
    assert response.status_code == 302
    world.foreign_booking.refresh_from_db()
    assert world.foreign_booking.start == at(world.monday, 13)


def test_move_links_on_change_page_and_calendar(staff_client, world):
    change = staff_client.get(reverse("admin:bookings_booking_change", args=[world.booking.pk]))
    assert move_url(world.booking) in change.content.decode()
    calendar = staff_client.get(
        reverse("admin:bookings_booking_calendar"), {"date": world.monday.isoformat()}
    )
    body = calendar.content.decode()
    assert move_url(world.booking) in body
    assert move_url(world.foreign_booking) not in body
