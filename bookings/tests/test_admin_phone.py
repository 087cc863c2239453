"""Phone booking never reveals an account: staff of one supplier typing a registered
e-mail must not learn that person's name, number or anything else the form did not receive."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bookings.models import Booking
from bookings.services import booking_create

from .conftest import at, staff_for
from .factories import ResourceFactory, ServiceFactory, SupplierFactory

pytestmark = pytest.mark.django_db

URL = "admin:bookings_booking_phone"


@pytest.fixture
def ours(monday):
    supplier = SupplierFactory(slug="ours", name="Ours")
    resource = ResourceFactory(supplier=supplier)
    return ServiceFactory(supplier=supplier, resources=[resource])


@pytest.fixture
def stranger(monday):
    """A customer of another supplier only: no relationship with ours."""
    person = UserFactory(full_name="Hemmelig Hansen", phone="+4798765432")
    supplier = SupplierFactory(slug="theirs", name="Theirs")
    resource = ResourceFactory(supplier=supplier)
    service = ServiceFactory(supplier=supplier, resources=[resource])
    booking_create(customer=person, service=service, start=at(monday, 10))
    return person


@pytest.fixture
def staff_client(client, ours):
    client.force_login(staff_for(ours.supplier))
    return client


def _post(client, service, monday, **customer):
    data = {"service": service.pk, "date": monday.isoformat(), "time": "12:00", **customer}
    return client.post(reverse(URL), data)


def _csv(client, booking) -> str:
    response = client.post(
        reverse("admin:bookings_booking_changelist"),
        {"action": "export_csv", "_selected_action": [booking.pk]},
    )
    assert response.status_code == 200
    return response.content.decode("utf-8")


def test_a_registered_e_mail_reveals_nothing_to_another_suppliers_staff(
    staff_client, ours, stranger, monday
):
    response = _post(
        staff_client,
        ours,
        monday,
        customer_email=stranger.email.upper(),
        customer_name="Ola Gjetter",
        customer_phone="+4791111111",
    )
    assert response.status_code == 302, response.context["form"].errors
    booking = Booking.objects.get(supplier=ours.supplier)
    # Not the stranger's account: a record made only from what the staff member typed.
    assert booking.customer_id != stranger.pk
    assert stranger.bookings.filter(supplier=ours.supplier).count() == 0
    pages = [
        staff_client.get(response["Location"]).content.decode(),
        staff_client.get(reverse("admin:bookings_booking_changelist")).content.decode(),
        _csv(staff_client, booking),
    ]
    for page in pages:
        assert "Hemmelig" not in page and "98765432" not in page
        assert "Ola Gjetter" in page
    stranger.refresh_from_db()
    assert stranger.full_name == "Hemmelig Hansen" and str(stranger.phone) == "+4798765432"


def test_name_and_phone_suffice(staff_client, ours, monday):
    response = _post(staff_client, ours, monday, customer_name="Per Telefon", customer_phone="")
    assert response.status_code == 200
    assert "customer_phone" in response.context["form"].errors
    response = _post(
        staff_client, ours, monday, customer_name="Per Telefon", customer_phone="+4792222222"
    )
    assert response.status_code == 302, response.context["form"].errors
    customer = Booking.objects.get().customer
    assert customer.full_name == "Per Telefon" and str(customer.phone) == "+4792222222"
    assert customer.email is None and not customer.has_usable_password()


def test_the_typed_address_is_shown_and_used_the_same_whether_or_not_it_is_registered(
    staff_client, ours, stranger, monday
):
    for email in (stranger.email, "fersk@example.com"):
        response = _post(
            staff_client,
            ours,
            monday,
            customer_email=email,
            customer_name="Kari Ny",
            customer_phone="+4793333333",
            time="13:00" if email == stranger.email else "14:00",
        )
        assert response.status_code == 302, response.context["form"].errors
    first, second = Booking.objects.filter(supplier=ours.supplier).order_by("start")
    for booking in (first, second):
        assert booking.customer.email is None  # never a login: the address may be someone else's
        assert not booking.customer.has_usable_password()
    assert first.customer.contact_email == stranger.email
    assert second.customer.contact_email == "fersk@example.com"
    assert stranger.email in _csv(staff_client, first)
    assert "fersk@example.com" in _csv(staff_client, second)


def test_only_a_complete_match_books_on_the_existing_account(staff_client, ours, stranger, monday):
    """Name, number and address all typed and all the person's: nothing left to reveal."""
    response = _post(
        staff_client,
        ours,
        monday,
        customer_email=stranger.email,
        customer_name="  hemmelig  HANSEN ",
        customer_phone="+47 987 65 432",
    )
    assert response.status_code == 302
    assert Booking.objects.get(supplier=ours.supplier).customer_id == stranger.pk


def test_a_refused_phone_booking_creates_no_customer_record(staff_client, ours, monday):
    users = get_user_model().objects.count()
    response = _post(
        staff_client,
        ours,
        monday,
        customer_name="Sen Kunde",
        customer_phone="+4794444444",
        time="22:00",
    )
    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert get_user_model().objects.count() == users
