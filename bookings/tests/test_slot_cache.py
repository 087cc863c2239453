"""The slots API's cached answers (bookings.slot_cache): a repeated read skips the engine, and
no write to the supplier's calendar, nor the clock, leaves a wrong answer being served."""

from datetime import time, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from bookings.models import Booking, BusyBlock, DateException, OpeningHours
from bookings.selectors import service_get_bookable, supplier_time_zone
from bookings.services import booking_cancel, booking_create
from bookings.slot_cache import slots_body

from .conftest import at
from .factories import ResourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cache_on(settings):
    # On by default only with Redis (REDIS_URL); the local-memory cache serves these tests too.
    settings.SLOTS_CACHE_SECONDS = 30


def free_starts(service, day, resource=None) -> list[tuple[str, int]]:
    url = f"/api/v1/services/{service.pk}/slots/?from={day}&to={day}"
    if resource is not None:
        url += f"&resource={resource.pk}"
    response = APIClient().get(url)
    assert response.status_code == 200, response.content
    return [(slot["start"], slot["resource"]["id"]) for slot in response.json()["slots"]]


def clock_at(instant):
    """Django's clock (what the engine and the cache both read) stopped at `instant`."""
    return mock.patch("django.utils.timezone.now", return_value=instant)


def reads_calendar(sql: list[str]) -> bool:
    return any("bookings_booking" in statement for statement in sql)


def test_a_repeated_read_is_answered_without_the_engine(service, monday):
    first = free_starts(service, monday)

    with CaptureQueriesContext(connection) as queries:
        again = free_starts(service, monday)

    assert again == first and len(first) == 16
    assert not reads_calendar([q["sql"] for q in queries.captured_queries])


def test_a_booking_removes_its_time_from_the_next_read(
    service, resource, customer, monday, django_capture_on_commit_callbacks
):
    before = free_starts(service, monday)
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_create(customer=customer, service=service, start=at(monday, 10))
    after = free_starts(service, monday)

    taken = booking.start.astimezone(supplier_time_zone(service.supplier)).isoformat()
    assert (taken, resource.pk) in before
    assert after == [slot for slot in before if slot != (taken, resource.pk)]

    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, by_user=customer, by_supplier=False)

    assert free_starts(service, monday) == before


def _busy_block(service, resource, monday):
    BusyBlock.objects.create(resource=resource, start=at(monday, 9), end=at(monday, 12))


def _busy_block_removed(service, resource, monday):
    BusyBlock.objects.filter(resource=resource).delete()


def _hours_shortened(service, resource, monday):
    hours = OpeningHours.objects.get(resource=resource, weekday=monday.weekday())
    hours.end_time = time(12)
    hours.save()


def _date_closed(service, resource, monday):
    DateException.objects.create(supplier=service.supplier, date=monday, is_closed=True)


def _resource_left_the_service(service, resource, monday):
    service.resources.remove(resource)


def _colleague_joined_the_service(service, resource, monday):
    service.resources.add(ResourceFactory(supplier=service.supplier))


def _resource_deactivated(service, resource, monday):
    resource.is_active = False
    resource.save()


def _service_longer(service, resource, monday):
    service.duration_minutes = 120
    service.save()


def _supplier_closes_on_holidays_and_date(service, resource, monday):
    DateException.objects.create(
        supplier=service.supplier,
        date=monday,
        is_closed=False,
        start_time=time(13),
        end_time=time(14),
    )


@pytest.mark.parametrize(
    "change",
    [
        _busy_block,
        _hours_shortened,
        _date_closed,
        _resource_left_the_service,
        _colleague_joined_the_service,
        _resource_deactivated,
        _service_longer,
        _supplier_closes_on_holidays_and_date,
    ],
)
def test_every_calendar_write_makes_the_next_read_fresh(
    change, service, resource, monday, django_capture_on_commit_callbacks
):
    cached = free_starts(service, monday)
    free_starts(service, monday)  # served from the cache now

    with django_capture_on_commit_callbacks(execute=True):
        change(service, resource, monday)

    fresh = free_starts(service, monday)
    assert fresh != cached
    with override_cache_off():
        assert fresh == free_starts(service, monday)


def test_a_removed_busy_block_frees_its_time_on_the_next_read(
    service, resource, monday, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _busy_block(service, resource, monday)
    blocked = free_starts(service, monday)

    with django_capture_on_commit_callbacks(execute=True):
        _busy_block_removed(service, resource, monday)

    assert len(free_starts(service, monday)) == len(blocked) + 6


def test_another_suppliers_write_keeps_this_answer(
    service, monday, django_capture_on_commit_callbacks
):
    free_starts(service, monday)
    elsewhere = ResourceFactory()

    with django_capture_on_commit_callbacks(execute=True):
        BusyBlock.objects.create(resource=elsewhere, start=at(monday, 9), end=at(monday, 17))
    with CaptureQueriesContext(connection) as queries:
        free_starts(service, monday)

    assert not reads_calendar([q["sql"] for q in queries.captured_queries])


def test_one_resource_and_all_resources_are_separate_answers(service, resource, monday):
    colleague = ResourceFactory(supplier=service.supplier)
    service.resources.add(colleague)

    everyone = free_starts(service, monday)
    only_colleague = free_starts(service, monday, resource=colleague)

    assert len(everyone) == 32
    assert {rid for _, rid in only_colleague} == {colleague.pk}
    assert free_starts(service, monday) == everyone


def test_an_answer_is_dropped_when_its_first_slot_falls_inside_the_notice(
    service, monday, settings
):
    settings.SLOTS_CACHE_SECONDS = 24 * 3600
    # The service needs 60 minutes' notice and opens at 09:00: at 07:30 the 09:00 slot is
    # offered until 08:00, so the answer may be served until then and not a second longer.
    with mock.patch("django.utils.timezone.now", return_value=at(monday, 7, 30)):
        first = free_starts(service, monday)
    with mock.patch("django.utils.timezone.now", return_value=at(monday, 7, 59)):
        with CaptureQueriesContext(connection) as queries:
            assert free_starts(service, monday) == first
        assert not reads_calendar([q["sql"] for q in queries.captured_queries])
    with mock.patch(
        "django.utils.timezone.now", return_value=at(monday, 8, 0) + timedelta(seconds=1)
    ):
        later = free_starts(service, monday)

    assert later == first[1:]


def test_an_answer_is_dropped_at_the_suppliers_midnight(service, monday, settings):
    settings.SLOTS_CACHE_SECONDS = 24 * 3600
    sunday_evening = at(monday - timedelta(days=1), 23, 50)
    week = f"/api/v1/services/{service.pk}/slots/?from={monday - timedelta(days=1)}&to={monday}"
    client = APIClient()
    with clock_at(sunday_evening):
        client.get(week)
    with clock_at(sunday_evening + timedelta(minutes=11)), CaptureQueriesContext(connection) as q:
        assert client.get(week).status_code == 200

    assert reads_calendar([query["sql"] for query in q.captured_queries])


def test_with_the_cache_turned_off_every_read_runs_the_engine(service, monday, settings):
    settings.SLOTS_CACHE_SECONDS = 0
    free_starts(service, monday)

    with CaptureQueriesContext(connection) as queries:
        free_starts(service, monday)

    assert reads_calendar([q["sql"] for q in queries.captured_queries])


def test_a_cache_outage_still_answers_from_the_database(service, monday, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    bookable = service_get_bookable(service_id=service.pk)

    body = slots_body(
        service=bookable,
        date_from=monday,
        date_to=monday,
        resource=None,
        compute=lambda: "computed",
        render=lambda availability: f"rendered {availability}",
    )

    assert body == "rendered computed"


def override_cache_off():
    from django.test import override_settings

    return override_settings(SLOTS_CACHE_SECONDS=0)


def test_a_booking_in_an_open_transaction_is_seen_by_reads_in_it(service, customer, monday):
    # pytest-django runs this test in one transaction that never commits: the token replaced
    # at write time (not only after commit) keeps a read in the same transaction right.
    before = free_starts(service, monday)

    booking_create(customer=customer, service=service, start=at(monday, 11))

    assert len(free_starts(service, monday)) == len(before) - 1
    assert Booking.objects.count() == 1
