"""How many SQL statements one booking POST costs, outbox rows included (issue 14)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.services import api_token_issue
from notifications.models import Message
from notifications.services.supplier_notices import notice_settings_for

from .conftest import at, consent, next_monday

pytestmark = pytest.mark.django_db

# Booking, supplier/service reads, the slot check, the six outbox rows in one insert.
MAX_STATEMENTS_PER_BOOKING = 12


def test_booking_post_writes_six_outbox_rows_in_few_statements(customer, service):
    consent(customer, "sms_notifications")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=customer)}")
    # Warm the per-process caches (content types, site) a long-running server already has,
    # and the supplier's notice settings, cached after its first booking event (a cold read
    # costs one SELECT).
    client.get("/api/v1/bookings/")
    notice_settings_for(service.supplier)
    start = at(next_monday(weeks=2), 10)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/api/v1/bookings/",
            {"service": service.pk, "start": start.isoformat()},
            format="json",
        )

    assert response.status_code == 201, response.content
    rows = Message.objects.filter(booking_id=response.json()["id"])
    # Confirmation and the 24 h and 2 h reminders, each as e-mail and SMS.
    assert sorted(rows.values_list("template_key", "channel")) == sorted(
        (template, channel)
        for template in ("booking_confirmation", "booking_reminder", "booking_reminder")
        for channel in ("email", "sms")
    )
    statements = [q["sql"][:160] for q in queries.captured_queries]
    assert len(statements) <= MAX_STATEMENTS_PER_BOOKING, "\n".join(statements)


def test_repeated_booking_event_writes_nothing_new_in_one_statement(
    customer, service, django_capture_on_commit_callbacks
):
    from bookings.models import Booking
    from bookings.services import booking_create
    from bookings.signals import booking_confirmed

    consent(customer, "sms_notifications")
    booking = booking_create(customer=customer, service=service, start=at(next_monday(2), 10))
    before = list(Message.objects.order_by("pk").values_list("pk", "idempotency_key"))
    assert len(before) == 6

    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks() as callbacks,
    ):
        booking_confirmed.send(sender=Booking, booking=booking)

    assert list(Message.objects.order_by("pk").values_list("pk", "idempotency_key")) == before
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1 and "notifications_message" in inserts[0]
    assert callbacks == []  # nothing new to hand to a worker
