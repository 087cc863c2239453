"""The calendar admin shows staff only their own supplier's connections and mirrors."""

import pytest

from accounts import roles
from accounts.tests.factories import UserFactory
from bookings.tests.factories import ResourceFactory, SupplierFactory
from calendars.models import CalendarConnection, EventMirror

from .conftest import staff_for

pytestmark = pytest.mark.django_db


def make_connection(resource, reference):
    connection = CalendarConnection.objects.create(
        resource=resource, mode=CalendarConnection.Mode.CONSOLE
    )
    mirror = EventMirror.objects.create(connection=connection, booking_reference=reference)
    return connection, mirror


@pytest.fixture
def own(resource):
    return make_connection(resource, "BK-OWN234")


@pytest.fixture
def foreign(db):
    other = ResourceFactory(supplier=SupplierFactory(name="Klinikk B"), name="Rom 1")
    return make_connection(other, "BK-OTHER9")


@pytest.fixture
def staff_client(client, supplier):
    client.force_login(staff_for(supplier))
    return client


def test_staff_lists_only_own_connections(staff_client, own, foreign):
    page = staff_client.get("/admin/calendars/calendarconnection/").content.decode()
    assert "Ingrid" in page
    assert "Rom 1" not in page


def test_staff_lists_only_own_mirrors(staff_client, own, foreign):
    response = staff_client.get("/admin/calendars/eventmirror/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "BK-OWN234" in page and "BK-OTHER9" not in page
    search = staff_client.get("/admin/calendars/eventmirror/", {"q": "BK-OTHER9"})
    assert search.context["cl"].result_count == 0


def test_other_suppliers_objects_are_not_reachable(staff_client, own, foreign):
    connection, mirror = foreign
    for url in (
        f"/admin/calendars/calendarconnection/{connection.pk}/change/",
        f"/admin/calendars/eventmirror/{mirror.pk}/change/",
    ):
        response = staff_client.get(url)
        # The admin redirects a missing object to the index with a message: never shown.
        assert response.status_code in (302, 404)
        assert "Rom 1" not in response.content.decode()
    own_connection, _ = own
    assert (
        staff_client.get(
            f"/admin/calendars/calendarconnection/{own_connection.pk}/change/"
        ).status_code
        == 200
    )


def test_actions_cannot_touch_other_suppliers_rows(staff_client, own, foreign):
    connection, _ = foreign
    staff_client.post(
        "/admin/calendars/calendarconnection/",
        {"action": "disconnect", "_selected_action": [connection.pk]},
    )
    connection.refresh_from_db()
    assert connection.status == CalendarConnection.Status.ACTIVE


def test_staff_can_disconnect_own(staff_client, own):
    connection, _ = own
    staff_client.post(
        "/admin/calendars/calendarconnection/",
        {"action": "disconnect", "_selected_action": [connection.pk]},
    )
    connection.refresh_from_db()
    assert connection.status == CalendarConnection.Status.DISCONNECTED


def test_no_token_is_ever_rendered(staff_client, own):
    connection, _ = own
    connection.refresh_token = "1//never-show-me"
    connection.save()
    page = staff_client.get(
        f"/admin/calendars/calendarconnection/{connection.pk}/change/"
    ).content.decode()
    assert "never-show-me" not in page
    assert connection.refresh_token_encrypted not in page


@pytest.mark.parametrize("superuser", [True, False], ids=["superuser", "administrator-role"])
def test_superuser_and_administrator_see_all(client, own, foreign, superuser):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    admin = UserFactory(is_staff=True, is_superuser=superuser, role=roles.ADMINISTRATOR)
    TOTP.activate(admin, generate_totp_secret())
    client.force_login(admin)
    page = client.get("/admin/calendars/eventmirror/").content.decode()
    assert "BK-OWN234" in page and "BK-OTHER9" in page


def test_customer_has_no_access(client, customer, own):
    client.force_login(customer)
    response = client.get("/admin/calendars/eventmirror/")
    assert response.status_code == 302
