from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import api_token_issue
from bookings.models import Booking
from bookings.services import booking_create

from .conftest import OSLO, at
from .factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def customer_api(customer):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=customer)}")
    return client


def slots_url(service, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/api/v1/services/{service.pk}/slots/?{query}"


def test_suppliers_and_services(api, service, resource):
    suppliers = api.get("/api/v1/suppliers/").json()
    assert suppliers[0]["slug"] == "salong-a" and suppliers[0]["name"] == "Salong A"
    services = api.get("/api/v1/suppliers/salong-a/services/").json()
    assert services == [
        {
            "id": service.pk,
            "name": "Dameklipp",
            "description": "",
            "duration_minutes": 30,
            "price": "490.00",
            "currency": "NOK",
            "vat_rate": "25.00",
            "payment_required": False,
            "payment_mode": "none",
            "deposit": None,
            "resources": [{"id": resource.pk, "name": "Ingrid"}],
        }
    ]
    assert api.get("/api/v1/suppliers/nope/services/").json()["code"] == "not_found"


def test_slots_with_oslo_offset_and_inclusive_to(api, service, resource, monday):
    response = api.get(slots_url(service, **{"from": monday, "to": monday}))
    assert response.status_code == 200
    slots = response.json()["slots"]
    assert slots[0]["start"].startswith(f"{monday}T09:00:00+0")
    assert slots[0]["start"].endswith(("+01:00", "+02:00"))
    assert slots[0]["resource"] == {"id": resource.pk, "name": "Ingrid"}
    assert slots[-1]["end"].startswith(f"{monday}T17:00:00")
    assert len(slots) == 16
    two = api.get(slots_url(service, **{"from": monday, "to": monday + timedelta(days=1)}))
    assert len(two.json()["slots"]) == 32


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "2026-13-01", "to": "2026-12-01"}, "invalid_date"),
        ({"from": "tomorrow", "to": "2026-12-01"}, "invalid_date"),
        ({"to": "2026-12-01"}, "invalid_date"),
        ({"from": "2026-05-10", "to": "2026-05-09"}, "invalid_range"),
        ({"from": "2026-05-01", "to": "2026-07-02"}, "range_too_long"),
        ({"from": "2026-05-01", "to": "2026-05-02", "resource": "x"}, "invalid_resource"),
        ({"from": "2026-05-01", "to": "2026-05-02", "resource": "999999"}, "invalid_resource"),
    ],
)
def test_slots_bad_input_is_400(api, service, params, code):
    response = api.get(slots_url(service, **params))
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["detail"]


def test_slots_62_days_ok_and_unknown_or_inactive_service_404(api, service, monday):
    ok = api.get(slots_url(service, **{"from": monday, "to": monday + timedelta(days=61)}))
    assert ok.status_code == 200
    assert (
        api.get("/api/v1/services/999999/slots/?from=2026-01-01&to=2026-01-02").status_code == 404
    )
    service.is_active = False
    service.save()
    assert api.get(slots_url(service, **{"from": monday, "to": monday})).status_code == 404


def test_create_booking_and_idempotency(customer_api, service, monday):
    body = {"service": service.pk, "start": at(monday, 10).astimezone(OSLO).isoformat()}
    first = customer_api.post("/api/v1/bookings/", body, format="json", HTTP_IDEMPOTENCY_KEY="a")
    assert first.status_code == 201, first.json()
    data = first.json()
    assert data["reference"].startswith("BK-") and data["status"] == "confirmed"
    assert data["start"] == at(monday, 10).astimezone(OSLO).isoformat()
    assert data["payment_url"] is None and data["service"] == service.pk
    again = customer_api.post("/api/v1/bookings/", body, format="json", HTTP_IDEMPOTENCY_KEY="a")
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    other = {**body, "start": at(monday, 11).astimezone(OSLO).isoformat()}
    reused = customer_api.post("/api/v1/bookings/", other, format="json", HTTP_IDEMPOTENCY_KEY="a")
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    taken = customer_api.post("/api/v1/bookings/", body, format="json")
    assert taken.status_code == 409 and taken.json()["code"] == "slot_unavailable"
    assert Booking.objects.count() == 1


def test_naive_start_is_read_in_supplier_time(customer_api, service, monday):
    body = {"service": service.pk, "start": f"{monday}T10:00:00"}
    response = customer_api.post("/api/v1/bookings/", body, format="json")
    assert response.status_code == 201
    assert Booking.objects.get().start == at(monday, 10)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"service": 999999, "start": "2026-05-04T10:00:00+02:00"}, "unknown_service"),
        ({"service": "x", "start": "2026-05-04T10:00:00+02:00"}, "invalid"),
        ({"start": "2026-05-04T10:00:00+02:00"}, "invalid"),
        ({"service": "SERVICE", "start": "not a date"}, "invalid"),
        ({"service": "SERVICE", "start": "2020-01-06T10:00:00+01:00"}, "in_the_past"),
        ({"service": "SERVICE", "start": "MONDAY_07"}, "outside_opening_hours"),
        ({"service": "SERVICE", "start": "MONDAY_10", "resource": 999999}, "invalid_resource"),
        ({"service": "SERVICE", "start": "FAR"}, "beyond_horizon"),
        ({"service": "SERVICE", "start": "MONDAY_10", "notes": "x" * 2001}, "invalid"),
    ],
)
def test_create_bad_input_is_400_and_writes_nothing(customer_api, service, monday, body, code):
    replacements = {
        "SERVICE": service.pk,
        "MONDAY_07": at(monday, 7).isoformat(),
        "MONDAY_10": at(monday, 10).isoformat(),
        "FAR": at(monday + timedelta(days=200), 10).isoformat(),
    }
    body = {key: replacements.get(value, value) for key, value in body.items()}
    response = customer_api.post("/api/v1/bookings/", body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    assert Booking.objects.count() == 0


def test_inactive_service_and_anonymous(api, customer_api, service, monday):
    body = {"service": service.pk, "start": at(monday, 10).isoformat()}
    assert api.post("/api/v1/bookings/", body, format="json").status_code in (401, 403)
    service.is_active = False
    service.save()
    response = customer_api.post("/api/v1/bookings/", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "service_inactive"


def test_customer_sees_only_own_bookings(customer_api, service, other_customer, customer, monday):
    mine = booking_create(customer=customer, service=service, start=at(monday, 10))
    theirs = booking_create(customer=other_customer, service=service, start=at(monday, 11))
    listed = customer_api.get("/api/v1/bookings/").json()
    assert [row["id"] for row in listed] == [mine.pk]
    assert customer_api.get(f"/api/v1/bookings/{mine.pk}/").status_code == 200
    for path in (f"/api/v1/bookings/{theirs.pk}/",):
        assert customer_api.get(path).status_code == 404
    for action in ("cancel", "reschedule"):
        response = customer_api.post(
            f"/api/v1/bookings/{theirs.pk}/{action}/",
            {"start": at(monday, 12).isoformat()},
            format="json",
        )
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "confirmed" and theirs.start == at(monday, 11)


def test_cancel_and_reschedule(customer_api, customer, other_customer, service, monday):
    booking = booking_create(customer=customer, service=service, start=at(monday, 10))
    booking_create(customer=other_customer, service=service, start=at(monday, 12))
    taken = customer_api.post(
        f"/api/v1/bookings/{booking.pk}/reschedule/",
        {"start": at(monday, 12).isoformat()},
        format="json",
    )
    assert taken.status_code == 409 and taken.json()["code"] == "slot_unavailable"
    bad = customer_api.post(
        f"/api/v1/bookings/{booking.pk}/reschedule/", {"start": "garbage"}, format="json"
    )
    assert bad.status_code == 400
    moved = customer_api.post(
        f"/api/v1/bookings/{booking.pk}/reschedule/",
        {"start": at(monday, 13).isoformat()},
        format="json",
    )
    assert moved.status_code == 200
    assert moved.json()["start"] == at(monday, 13).astimezone(OSLO).isoformat()
    cancelled = customer_api.post(f"/api/v1/bookings/{booking.pk}/cancel/", {}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = customer_api.post(f"/api/v1/bookings/{booking.pk}/cancel/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_status"


def test_cancel_after_deadline_is_409(customer_api, customer, service, supplier):
    supplier.cancellation_deadline_hours = 24 * 7
    supplier.save()
    tomorrow = timezone.localdate() + timedelta(days=1)
    booking = booking_create(customer=customer, service=service, start=at(tomorrow, 10))
    response = customer_api.post(f"/api/v1/bookings/{booking.pk}/cancel/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "cancellation_deadline_passed"


def test_schema_documents_booking_endpoints(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in (
        "/api/v1/suppliers/",
        "/api/v1/suppliers/{slug}/services/",
        "/api/v1/services/{service_id}/slots/",
        "/api/v1/bookings/",
        "/api/v1/bookings/{id}/",
        "/api/v1/bookings/{id}/cancel/",
        "/api/v1/bookings/{id}/reschedule/",
    ):
        assert path in schema["paths"], path


def test_payment_required_booking_is_pending_with_a_payment_url(
    customer_api, supplier, resource, monday
):
    service = ServiceFactory(supplier=supplier, resources=[resource], payment_mode="full")
    body = {"service": service.pk, "start": at(monday, 10).isoformat()}
    response = customer_api.post("/api/v1/bookings/", body, format="json")
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "pending_payment" and data["hold_expires_at"]
    assert data["payment_url"].endswith(f"/pay/{data['reference']}/")
