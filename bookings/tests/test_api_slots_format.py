"""The slots API's body is pinned byte for byte: fields, order, separators, local offsets."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from bookings.api.views import local_iso_strings
from bookings.selectors import service_get_bookable, slots_for_service

from .factories import ResourceFactory, ServiceFactory

ZONES = [
    "Europe/Oslo",
    "UTC",
    "America/St_Johns",  # -03:30 / -02:30
    "Asia/Kolkata",  # +05:30, no DST
    "Australia/Lord_Howe",  # a 30-minute DST shift at a half hour
    "America/Sao_Paulo",
]


@pytest.mark.parametrize("zone", ZONES)
def test_local_iso_strings_match_isoformat_across_dst_switches(zone):
    tz = ZoneInfo(zone)
    # Every 5 minutes over the days around both 2027 switches in either hemisphere, and
    # every 17 minutes (odd seconds too) across the whole year.
    instants = set()
    for month, day in ((3, 26), (3, 31), (4, 2), (10, 1), (10, 29), (11, 5)):
        first = int(datetime(2027, month, day, tzinfo=UTC).timestamp())
        instants.update(range(first, first + 3 * 86_400, 300))
    year = int(datetime(2027, 1, 1, tzinfo=UTC).timestamp())
    instants.update(range(year, year + 366 * 86_400, 17 * 60 + 1))

    strings = local_iso_strings(instants, tz)

    assert strings == {s: datetime.fromtimestamp(s, tz).isoformat() for s in instants}


@pytest.mark.django_db
def test_slots_body_is_byte_identical_to_the_documented_shape(monday):
    first = ResourceFactory(name='Ingrid "Å" Ødegård')
    second = ResourceFactory(supplier=first.supplier, name="Ola")
    service = ServiceFactory(supplier=first.supplier, resources=[first, second])
    last = monday + timedelta(days=61)

    response = APIClient().get(f"/api/v1/services/{service.pk}/slots/?from={monday}&to={last}")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    tz = ZoneInfo(service.supplier.time_zone)
    availability = slots_for_service(
        service=service_get_bookable(service_id=service.pk), date_from=monday, date_to=last
    )
    names = {first.pk: first.name, second.pk: second.name}
    expected = (
        '{"slots":['
        + ",".join(
            '{"start":%s,"end":%s,"resource":%s}'  # noqa: UP031 (the shape, written out)
            % (
                json.dumps(slot.start.astimezone(tz).isoformat()),
                json.dumps(slot.end.astimezone(tz).isoformat()),
                json.dumps(
                    {"id": slot.resource_id, "name": names[slot.resource_id]}, ensure_ascii=False
                ),
            )
            for slot in availability.slots
        )
        + "]}"
    )
    assert len(availability.slots) > 100
    assert response.content.decode() == expected
    parsed = json.loads(response.content)["slots"][0]
    assert list(parsed) == ["start", "end", "resource"]
    assert parsed["start"].endswith(("+01:00", "+02:00"))
