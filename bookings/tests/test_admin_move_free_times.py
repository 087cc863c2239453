"""The move form offers the free times of one date and staff member (the slot engine's answer,
the booking itself left out); the booking's own page has Cancel and Move buttons; admin
messages give the supplier's local time."""

from datetime import time, timedelta

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bookings.models import Booking, BusyBlock, SupplierOpeningHours
from bookings.selectors import slots_for_service
from bookings.services import booking_create

from .conftest import OSLO, at, change_url, move_url, staff_for
from .factories import ResourceFactory, ServiceFactory, SupplierFactory

pytestmark = pytest.mark.django_db


class World:
    """Ingrid follows the salon's hours (10–13 every day), Kari has her own (14–16).

    The service takes 30 minutes in 30-minute steps; the booking to move is Ingrid's 10:00.
    """

    def __init__(self, monday) -> None:
        self.monday = monday
        self.mine = SupplierFactory(slug="mine", name="Mine")
        SupplierOpeningHours.objects.bulk_create(
            SupplierOpeningHours(
                supplier=self.mine, weekday=d, start_time=time(10), end_time=time(13)
            )
            for d in range(7)
        )
        self.ingrid = ResourceFactory(supplier=self.mine, name="Ingrid", hours=[])
        self.kari = ResourceFactory(
            supplier=self.mine, name="Kari", hours=[(d, time(14), time(16)) for d in range(7)]
        )
        self.service = ServiceFactory(supplier=self.mine, resources=[self.ingrid, self.kari])
        self.booking = booking_create(
            customer=UserFactory(), service=self.service, start=at(monday, 10), resource=self.ingrid
        )
        self.theirs = SupplierFactory(slug="theirs", name="Theirs")
        foreign = ResourceFactory(supplier=self.theirs, name="Foreign")
        self.foreign_booking = booking_create(
            customer=UserFactory(),
            service=ServiceFactory(supplier=self.theirs, resources=[foreign]),
            start=at(monday, 10),
        )
        self.staff = staff_for(self.mine)


@pytest.fixture
def world(monday):
    return World(monday)


def offered(response) -> list[str]:
    """The free times the form offers, as the staff member reads them (local HH:MM)."""
    return [label[:5] for value, label in response.context["form"].fields["start"].choices if value]


def value(day, hour: int, minute: int = 0) -> str:
    return at(day, hour, minute).astimezone(OSLO).isoformat()


def test_form_lists_the_free_times_of_the_bookings_date_and_staff(staff_client, world):
    booking_create(
        customer=UserFactory(),
        service=world.service,
        start=at(world.monday, 11),
        resource=world.ingrid,
    )
    BusyBlock.objects.create(
        resource=world.ingrid, start=at(world.monday, 12), end=at(world.monday, 12, 30)
    )
    response = staff_client.get(move_url(world.booking))
    assert response.status_code == 200
    # 10:00 is the booking's own time (left out of the busy times), 11:00 another booking,
    # 12:00 blocked; the salon closes at 13:00.
    assert offered(response) == ["10:00", "10:30", "11:30", "12:30"]
    body = response.content.decode()
    assert f'value="{value(world.monday, 10, 30)}"' in body
    assert 'type="time"' not in body  # no blank time field any more


def test_show_free_times_for_another_date_and_staff_member(staff_client, world):
    tuesday = world.monday + timedelta(days=1)
    response = staff_client.post(
        move_url(world.booking),
        {"_show": "1", "date": tuesday.isoformat(), "resource": world.kari.pk},
    )
    assert response.status_code == 200
    assert offered(response) == ["14:00", "14:30", "15:00", "15:30"]
    assert not response.context["form"].errors  # listing only: nothing was submitted yet
    assert unchanged(world.booking)


def test_staff_side_lists_times_inside_the_minimum_notice(staff_client, world):
    # Customers must now book 30 days ahead; the supplier's side may still use next week.
    world.service.minimum_notice_minutes = 30 * 24 * 60
    world.service.save()
    customers = slots_for_service(
        service=world.service, date_from=world.monday, date_to=world.monday, resource=world.kari
    )
    assert customers.slots == []
    response = staff_client.post(
        move_url(world.booking),
        {"_show": "1", "date": world.monday.isoformat(), "resource": world.kari.pk},
    )
    assert offered(response) == ["14:00", "14:30", "15:00", "15:30"]


def test_a_listed_time_moves_the_booking_with_a_local_time_message(staff_client, world):
    tuesday = world.monday + timedelta(days=1)
    response = staff_client.post(
        move_url(world.booking),
        {"date": tuesday.isoformat(), "resource": world.kari.pk, "start": value(tuesday, 15)},
    )
    assert response.status_code == 302
    world.booking.refresh_from_db()
    assert (world.booking.start, world.booking.resource) == (at(tuesday, 15), world.kari)
    [message] = [str(m) for m in response.wsgi_request._messages]
    assert f"{tuesday:%d.%m.%Y} 15:00" in message  # Oslo time, not UTC (14:00)


def test_a_taken_time_is_refused_with_the_free_times_listed_again(staff_client, world):
    booking_create(
        customer=UserFactory(),
        service=world.service,
        start=at(world.monday, 14),
        resource=world.kari,
    )
    response = staff_client.post(
        move_url(world.booking),
        {
            "date": world.monday.isoformat(),
            "resource": world.kari.pk,
            "start": value(world.monday, 14),
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.has_error("start", code="invalid_choice")
    assert form.errors["start"] == [str(form.fields["start"].error_messages["invalid_choice"])]
    assert form.errors["start"][0] in response.content.decode()  # shown beside the times
    assert offered(response) == ["14:30", "15:00", "15:30"]
    assert unchanged(world.booking)


def test_a_time_of_another_date_than_the_one_chosen_is_refused(staff_client, world):
    tuesday = world.monday + timedelta(days=1)
    response = staff_client.post(
        move_url(world.booking),
        {
            "date": tuesday.isoformat(),
            "resource": world.ingrid.pk,
            "start": value(world.monday, 11),
        },
    )
    assert response.context["form"].has_error("start", code="invalid_choice")
    assert unchanged(world.booking)


def test_a_day_without_free_times_says_so(staff_client, world):
    past = world.monday - timedelta(days=30)
    response = staff_client.post(
        move_url(world.booking),
        {"_show": "1", "date": past.isoformat(), "resource": world.ingrid.pk},
    )
    assert offered(response) == []
    assert 'id="no-free-times"' in response.content.decode()


def test_foreign_staff_member_lists_nothing_of_theirs(staff_client, world):
    foreign = world.foreign_booking.resource
    response = staff_client.post(
        move_url(world.booking),
        {
            "date": world.monday.isoformat(),
            "resource": foreign.pk,
            "start": value(world.monday, 11),
        },
    )
    form = response.context["form"]
    assert form.has_error("resource", code="invalid_choice")
    assert form.chosen_resource == world.ingrid  # listing falls back to the booking's own
    assert staff_client.get(move_url(world.foreign_booking)).status_code == 404
    assert unchanged(world.foreign_booking)


def unchanged(booking: Booking) -> bool:
    start, resource_id = booking.start, booking.resource_id
    booking.refresh_from_db()
    return booking.start == start and booking.resource_id == resource_id


def test_change_page_has_move_and_cancel_buttons(staff_client, world):
    body = staff_client.get(change_url(world.booking)).content.decode()
    assert f'href="{move_url(world.booking)}"' in body
    assert 'id="cancel-booking"' in body
    assert 'name="action" value="cancel_with_reason"' in body
    assert f'name="_selected_action" value="{world.booking.pk}"' in body


def test_cancel_button_leads_to_the_reason_page_and_cancels_this_booking_only(staff_client, world):
    other = booking_create(
        customer=UserFactory(), service=world.service, start=at(world.monday, 15)
    )
    changelist = reverse("admin:bookings_booking_changelist")
    button = {"action": "cancel_with_reason", "_selected_action": world.booking.pk}
    page = staff_client.post(changelist, button)
    assert page.status_code == 200
    assert list(page.context["bookings"]) == [world.booking]
    done = staff_client.post(changelist, {**button, "apply": "1", "reason": "Sykdom"})
    assert done.status_code == 302
    world.booking.refresh_from_db()
    other.refresh_from_db()
    assert world.booking.status == Booking.Status.CANCELLED
    assert world.booking.cancellation_reason == "Sykdom"
    assert other.status == Booking.Status.CONFIRMED


def test_cancel_button_cannot_reach_another_suppliers_booking(staff_client, world):
    changelist = reverse("admin:bookings_booking_changelist")
    staff_client.post(
        changelist,
        {
            "action": "cancel_with_reason",
            "_selected_action": world.foreign_booking.pk,
            "apply": "1",
            "reason": "x",
        },
    )
    world.foreign_booking.refresh_from_db()
    assert world.foreign_booking.status == Booking.Status.CONFIRMED


def test_no_buttons_on_a_cancelled_booking(staff_client, world):
    Booking.objects.filter(pk=world.booking.pk).update(status=Booking.Status.CANCELLED)
    body = staff_client.get(change_url(world.booking)).content.decode()
    assert 'id="cancel-booking"' not in body and move_url(world.booking) not in body


def test_phone_booking_with_name_and_phone_only_says_when_in_local_time(staff_client, world):
    tuesday = world.monday + timedelta(days=1)
    response = staff_client.post(
        reverse("admin:bookings_booking_phone"),
        {
            "service": world.service.pk,
            "resource": world.ingrid.pk,
            "date": tuesday.isoformat(),
            "time": "10:30",
            "customer_name": "Ola Nordmann",
            "customer_phone": "+4791234567",
        },
    )
    assert response.status_code == 302
    booking = Booking.objects.get(customer__full_name="Ola Nordmann")
    assert booking.start == at(tuesday, 10, 30)  # inside the salon's inherited hours
    [message] = [str(m) for m in response.wsgi_request._messages]
    assert f"{tuesday:%d.%m.%Y} 10:30" in message
