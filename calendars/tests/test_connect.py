"""The connect page, Google's OAuth round trip (against the fake token endpoint), console mode."""

from urllib.parse import parse_qs, urlsplit

import pytest

from bookings.tests.factories import ResourceFactory, SupplierFactory
from calendars import google
from calendars.models import CalendarConnection, EventMirror
from calendars.tasks import calendar_periodic

from .conftest import staff_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(supplier):
    return staff_for(supplier)


def start_oauth(client, resource):
    response = client.post(f"/calendar/connect/{resource.pk}/", {"action": "connect"})
    assert response.status_code == 302
    return parse_qs(urlsplit(response["Location"]).query)


def test_connect_page_renders_for_own_resource(client, staff, resource):
    client.force_login(staff)
    response = client.get(f"/calendar/connect/{resource.pk}/")
    assert response.status_code == 200
    assert resource.name in response.content.decode()


def test_other_suppliers_resource_is_404(client, staff):
    other = ResourceFactory(supplier=SupplierFactory())
    client.force_login(staff)
    assert client.get(f"/calendar/connect/{other.pk}/").status_code == 404
    assert client.post(f"/calendar/connect/{other.pk}/").status_code == 404
    assert not CalendarConnection.objects.exists()


def test_customer_cannot_connect(client, customer, resource):
    client.force_login(customer)
    assert client.get(f"/calendar/connect/{resource.pk}/").status_code == 404


def test_anonymous_is_sent_to_login(client, resource):
    response = client.get(f"/calendar/connect/{resource.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_oauth_round_trip_stores_encrypted_grant(
    client, staff, resource, fake_google, settings, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    query = start_oauth(client, resource)
    assert query["access_type"] == ["offline"]
    assert set(query["scope"][0].split()) == set(google.SCOPES)
    assert query["redirect_uri"] == [settings.SITE_URL + "/calendar/oauth/callback/"]
    state = query["state"][0]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.get("/calendar/oauth/callback/", {"code": "4/auth-code", "state": state})
    assert response.status_code == 302
    connection = CalendarConnection.objects.get(resource=resource)
    assert connection.mode == CalendarConnection.Mode.GOOGLE
    assert connection.refresh_token == "1//refresh-from-code"
    assert "refresh-from-code" not in connection.refresh_token_encrypted
    exchange = fake_google.calls("POST", "/token")[0]["body"]
    assert exchange["grant_type"] == "authorization_code" and exchange["code"] == "4/auth-code"
    assert len(callbacks) == 2  # first sync, then the channel: both queued after commit

    # The state is single-use.
    again = client.get("/calendar/oauth/callback/", {"code": "4/auth-code", "state": state})
    assert again.status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"code": "x", "state": "forged"},
        {"code": "x"},
        {"error": "access_denied"},
    ],
)
def test_bad_callbacks_are_400(client, staff, resource, fake_google, params):
    client.force_login(staff)
    if "state" not in params and "error" in params:
        params["state"] = start_oauth(client, resource)["state"][0]
    response = client.get("/calendar/oauth/callback/", params)
    assert response.status_code == 400
    assert not CalendarConnection.objects.exists()


def test_state_from_another_session_is_refused(client, staff, resource, fake_google):
    from django.test import Client

    client.force_login(staff)
    state = start_oauth(client, resource)["state"][0]
    other = Client()
    other.force_login(staff)  # same user, different browser session
    response = other.get("/calendar/oauth/callback/", {"code": "x", "state": state})
    assert response.status_code == 400
    assert not CalendarConnection.objects.exists()


def test_refused_code_exchange_is_400(client, staff, resource, fake_google):
    client.force_login(staff)
    state = start_oauth(client, resource)["state"][0]
    fake_google.refresh_error = "invalid_grant"
    response = client.get("/calendar/oauth/callback/", {"code": "bad", "state": state})
    assert response.status_code == 400
    assert not CalendarConnection.objects.exists()


def test_console_mode_end_to_end(
    client,
    staff,
    resource,
    service,
    customer,
    settings,
    eager_tasks,
    django_capture_on_commit_callbacks,
):
    from bookings import services as booking_services
    from calendars.google import console_calls

    from .conftest import at, next_monday

    settings.GOOGLE_OAUTH_CLIENT_ID = ""
    console_calls.clear()
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/calendar/connect/{resource.pk}/", {"action": "connect"})
    assert response.status_code == 302
    connection = CalendarConnection.objects.get(resource=resource)
    assert connection.mode == CalendarConnection.Mode.CONSOLE
    assert connection.last_synced_at is not None  # the first sync ran (console list)
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_services.booking_create(
            customer=customer, service=service, start=at(next_monday(), 10)
        )
    inserted = [c for c in console_calls if c["operation"] == "events.insert"]
    assert inserted[0]["body"]["summary"].endswith(booking.reference)
    assert EventMirror.objects.get(booking=booking).state == EventMirror.State.SYNCED

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/calendar/connect/{resource.pk}/", {"action": "disconnect"})
    connection.refresh_from_db()
    assert connection.status == CalendarConnection.Status.DISCONNECTED


def test_connecting_mirrors_existing_upcoming_bookings(
    resource,
    service,
    customer,
    tokens,
    fake_google,
    eager_tasks,
    django_capture_on_commit_callbacks,
):
    from bookings import services as booking_services
    from calendars.services import connection_connect_google

    from .conftest import at, next_monday

    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_services.booking_create(
            customer=customer, service=service, start=at(next_monday(), 10)
        )
    assert not EventMirror.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        connection_connect_google(resource=resource, tokens=tokens)
    mirror = EventMirror.objects.get(booking=booking)
    assert mirror.state == EventMirror.State.SYNCED
    assert fake_google.inserts == 1
    assert fake_google.calls("GET", "/events")  # first full sync ran


def test_periodic_task_relays_syncs_and_renews(connection, fake_google, eager_tasks, settings):
    settings.GOOGLE_CALENDAR_WEBHOOKS = True
    counts = calendar_periodic.apply().get()
    assert counts == {"pushes": 0, "syncs": 1, "renewals": 1}
    connection.refresh_from_db()
    assert connection.last_synced_at is not None and connection.channel_id
    assert calendar_periodic.apply().get() == {"pushes": 0, "syncs": 0, "renewals": 0}


def test_overview_lists_only_own_resources(client, staff, resource):
    other = ResourceFactory(supplier=SupplierFactory(), name="Fremmed rom")
    client.force_login(staff)
    page = client.get("/calendar/").content.decode()
    assert resource.name in page and other.name not in page
    assert f"/calendar/connect/{resource.pk}/" in page


def test_overview_is_404_for_customers(client, customer):
    client.force_login(customer)
    assert client.get("/calendar/").status_code == 404


def test_admin_changelist_links_to_overview(client, staff, resource):
    client.force_login(staff)
    page = client.get("/admin/calendars/calendarconnection/").content.decode()
    assert 'href="/calendar/"' in page


def test_demo_seeder_is_idempotent(settings):
    from bookings.demo import seed_suppliers
    from calendars.demo import seed_calendars

    settings.GOOGLE_OAUTH_CLIENT_ID = ""
    seed_suppliers()
    seed_calendars()
    seed_calendars()
    connections = CalendarConnection.objects.all()
    assert connections.count() == 2
    assert {c.mode for c in connections} == {CalendarConnection.Mode.CONSOLE}
