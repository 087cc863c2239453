"""Edge input found in acceptance probing: absurd dates, foreign resources, repeated submits,
the repeated autumn hour, touching openings, and what a cancelled booking's page says."""

from datetime import date, time, timedelta
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from accounts.services import api_token_issue
from bookings.models import Booking, OpeningHours
from bookings.services import booking_cancel, booking_create

from .conftest import OSLO, at, staff_for
from .factories import ResourceFactory, ServiceFactory

pytestmark = pytest.mark.django_db

ABSURD_STARTS = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00", "9999-12-31T23:00:00Z"]


@pytest.fixture
def customer_api(customer):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=customer)}")
    return client


@pytest.mark.parametrize(
    "first, last", [("0001-01-01", "0001-01-02"), ("9999-12-30", "9999-12-31")]
)
def test_slots_for_absurd_dates_are_an_empty_answer(client, service, first, last):
    response = client.get(f"/api/v1/services/{service.pk}/slots/?from={first}&to={last}")
    assert response.status_code == 200
    assert response.json() == {"slots": []}


@pytest.mark.parametrize("start", ABSURD_STARTS)
def test_booking_at_an_absurd_time_is_refused(customer_api, service, customer, start):
    response = customer_api.post(
        "/api/v1/bookings/", {"service": service.pk, "start": start}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] in {"in_the_past", "beyond_horizon"}
    booking = booking_create(customer=customer, service=service, start=at(_monday(), 10))
    response = customer_api.post(
        f"/api/v1/bookings/{booking.pk}/reschedule/", {"start": start}, format="json"
    )
    assert response.status_code == 400
    assert Booking.objects.get(pk=booking.pk).start == booking.start


@pytest.mark.parametrize("start", ABSURD_STARTS)
def test_website_confirm_with_an_absurd_time_sends_back_to_the_picker(
    client, customer, service, start
):
    client.force_login(customer)
    response = client.get(f"/book/{service.pk}/confirm/?start={quote(start)}")
    assert response.status_code == 302
    response = client.post(f"/book/{service.pk}/confirm/", {"start": start})
    assert response.status_code == 302
    assert not Booking.objects.exists()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_admin_calendar_at_the_ends_of_the_calendar(client, service, day):
    client.force_login(staff_for(service.supplier))
    for span in ("day", "week"):
        response = client.get(
            f"{reverse('admin:bookings_booking_calendar')}?date={day}&span={span}"
        )
        assert response.status_code == 200


def _monday() -> date:
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


def test_website_refuses_a_resource_that_does_not_perform_the_service(client, customer, service):
    elsewhere = ResourceFactory(name="Rom 1")  # another supplier's room
    client.force_login(customer)
    start = at(_monday(), 10).astimezone(OSLO).isoformat()
    response = client.post(
        f"/book/{service.pk}/confirm/", {"start": start, "resource": elsewhere.pk}
    )
    assert response.status_code == 302 and "/confirm/" not in response.url
    assert not Booking.objects.exists()

    booking = booking_create(customer=customer, service=service, start=at(_monday(), 10))
    response = client.post(
        reverse("bookings:reschedule", args=[booking.reference]),
        {"start": at(_monday(), 12).isoformat(), "resource": elsewhere.pk},
    )
    assert response.status_code == 302
    assert Booking.objects.get(pk=booking.pk).start == booking.start

    page = client.get(f"/s/{service.supplier.slug}/{service.pk}/?resource={elsewhere.pk}")
    assert page.status_code == 200
    # Each of the three attempts was told why (the two refusals above, then this week view,
    # which shows everyone instead of silently ignoring the choice).
    with translation.override("nb"):
        refusal = str(resource_chosen_for_error())
    assert [str(m) for m in page.context["messages"]] == [refusal] * 3
    assert page.context["resource"] is None


def resource_chosen_for_error() -> str:
    from django.utils.translation import gettext

    return gettext("This resource does not perform the chosen service.")


def test_submitting_the_confirm_page_twice_books_once(client, customer, supplier):
    first, second = ResourceFactory(supplier=supplier), ResourceFactory(supplier=supplier)
    service = ServiceFactory(supplier=supplier, resources=[first, second])
    client.force_login(customer)
    start = at(_monday(), 10).astimezone(OSLO).isoformat()
    page = client.get(f"/book/{service.pk}/confirm/?start={quote(start)}")
    submission = page.context["form"]["submission"].value()
    assert submission
    data = {"start": start, "submission": submission}
    first_answer = client.post(f"/book/{service.pk}/confirm/", data)
    second_answer = client.post(f"/book/{service.pk}/confirm/", data)
    assert Booking.objects.count() == 1
    assert first_answer.url == second_answer.url  # both land on the one booking
    # A fresh page is a fresh request: the second resource is still free at that time.
    fresh = client.get(f"/book/{service.pk}/confirm/?start={quote(start)}")
    data["submission"] = fresh.context["form"]["submission"].value()
    client.post(f"/book/{service.pk}/confirm/", data)
    assert Booking.objects.count() == 2


def test_a_refused_phone_booking_creates_no_customer_account(client, service):
    client.force_login(staff_for(service.supplier))
    response = client.post(
        reverse("admin:bookings_booking_phone"),
        {
            "service": service.pk,
            "date": _monday().isoformat(),
            "time": "22:00",  # outside opening hours
            "customer_email": "ny-kunde@example.com",
            "customer_name": "Ny Kunde",
            "customer_phone": "+4791234567",
        },
    )
    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert not get_user_model().objects.filter(contact_email="ny-kunde@example.com").exists()
    assert not Booking.objects.exists()


def test_a_time_in_the_repeated_autumn_hour_can_be_booked(customer_api, supplier):
    """2:30 on 2027-10-31 happens twice in Oslo; without an offset the first one is meant."""
    night = ResourceFactory(supplier=supplier, hours=[(d, time(0), time(23, 59)) for d in range(7)])
    service = ServiceFactory(
        supplier=supplier, resources=[night], minimum_notice_minutes=0, booking_horizon_days=730
    )
    response = customer_api.post(
        "/api/v1/bookings/", {"service": service.pk, "start": "2027-10-31T02:30:00"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["start"] == "2027-10-31T02:30:00+02:00"
    response = customer_api.post(
        "/api/v1/bookings/",
        {"service": service.pk, "start": "2027-10-31T02:30:00+01:00"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    starts = sorted(Booking.objects.values_list("start", flat=True))
    assert starts[1] - starts[0] == timedelta(hours=1)


def test_touching_opening_rows_offer_slots_across_the_seam(client, supplier):
    resource = ResourceFactory(supplier=supplier, hours=[])
    OpeningHours.objects.bulk_create(
        OpeningHours(resource=resource, weekday=0, start_time=s, end_time=e)
        for s, e in [(time(9), time(12)), (time(12), time(12, 30)), (time(12, 30), time(17))]
    )
    service = ServiceFactory(
        supplier=supplier, resources=[resource], duration_minutes=45, slot_interval_minutes=15
    )
    day = _monday()
    slots = client.get(f"/api/v1/services/{service.pk}/slots/?from={day}&to={day}").json()["slots"]
    starts = [slot["start"][11:16] for slot in slots]
    assert {"11:30", "11:45", "12:00", "12:15"} <= set(starts)
    assert len(starts) == len(set(starts)) == (17 * 60 - 45 - 9 * 60) // 15 + 1


def test_the_page_of_a_cancelled_booking_does_not_promise_anything(client, customer, service):
    booking = booking_create(customer=customer, service=service, start=at(_monday(), 10))
    booking_cancel(booking=booking, by_user=customer, by_supplier=False, reason="")
    client.force_login(customer)
    with translation.override("en"):
        body = client.get(
            reverse("bookings:booking_detail", args=[booking.reference]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    assert "You can cancel or move" not in body and "reminder before" not in body
    assert "was cancelled on" in body


def test_after_the_deadline_the_page_says_how_to_change_the_booking(client, customer, service):
    supplier = service.supplier
    supplier.contact_phone = "+47 22 00 00 00"
    supplier.save()
    soon = timezone.now() + timedelta(hours=2)
    booking = booking_create(customer=customer, service=service, start=at(_monday(), 10))
    Booking.objects.filter(pk=booking.pk).update(
        start=soon,
        end=soon + timedelta(minutes=30),
        blocked_start=soon,
        blocked_end=soon + timedelta(minutes=30),
    )
    client.force_login(customer)
    body = client.get(
        reverse("bookings:booking_detail", args=[booking.reference]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "You can cancel or move" not in body
    assert "The deadline for cancelling or moving online was" in body and "+47 22 00 00 00" in body


@pytest.mark.parametrize(
    "path", ["/api/v1/services/abc/slots/", "/api/v1/bookings/-1/", "/api/v1/nope/"]
)
def test_api_urls_that_match_no_route_answer_in_json(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_api_errors_speak_the_visitors_language(client, service):
    response = client.get(
        f"/api/v1/services/{service.pk + 1000}/slots/?from=2027-01-01&to=2027-01-02",
        HTTP_ACCEPT_LANGUAGE="nb",
    )
    assert response.status_code == 404
    assert response.json()["detail"] == "Tjenesten finnes ikke."
    response = client.get(
        f"/api/v1/services/{service.pk}/slots/?from=2027-01-02&to=2027-01-01",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.json()["detail"] == "'to' must not be before 'from'."


@pytest.mark.parametrize("day", ["01.01.0001", "31.12.9999"])
def test_blocking_time_at_the_ends_of_the_calendar_is_a_form_error(client, service, resource, day):
    client.force_login(staff_for(service.supplier))
    response = client.post(
        reverse("admin:bookings_busyblock_add"),
        {
            "resource": resource.pk,
            "start_0": day,
            "start_1": "00:00",
            "end_0": day,
            "end_1": "01:00",
            "note": "",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not resource.busy_blocks.exists()


def test_a_phone_booking_in_year_one_is_a_form_error(client, service):
    client.force_login(staff_for(service.supplier))
    response = client.post(
        reverse("admin:bookings_booking_phone"),
        {
            "service": service.pk,
            "date": "0001-01-01",
            "time": "00:00",
            "customer_email": "aar-en@example.com",
            "customer_name": "År En",
            "customer_phone": "+4791234567",
        },
    )
    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert not get_user_model().objects.filter(contact_email="aar-en@example.com").exists()
