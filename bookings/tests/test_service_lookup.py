"""service_get_bookable reads its row with SQL compiled once per process (PostgreSQL): the
service and its supplier must come back exactly as the ORM would build them."""

import pytest
from django.db.models import Model

from bookings.models import Service
from bookings.selectors import service_get_bookable

from .factories import ServiceFactory

pytestmark = pytest.mark.django_db


def field_values(instance: Model) -> dict:
    return {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }


def test_service_and_supplier_match_the_orm():
    service = ServiceFactory(description="Vask og føn")
    service.supplier.reminder_offsets_minutes = [1440, 90]
    service.supplier.save()

    found = service_get_bookable(service_id=str(service.pk))

    expected = Service.objects.select_related("supplier").get(pk=service.pk)
    assert field_values(found) == field_values(expected)
    assert field_values(found.supplier) == field_values(expected.supplier)
    assert found.supplier.reminder_offsets_minutes == [1440, 90]  # decoded JSON, not text
    assert not found._state.adding
    assert list(found.resources.all()) == list(expected.resources.all())


@pytest.mark.parametrize("service_id", [None, "", "abc", "0", "-1", str(2**63), str(-(2**64))])
def test_unknown_or_malformed_ids_find_nothing(service_id):
    ServiceFactory()
    assert service_get_bookable(service_id=service_id) is None


def test_inactive_service_or_supplier_is_not_bookable():
    inactive_service = ServiceFactory(is_active=False)
    closed_supplier = ServiceFactory()
    closed_supplier.supplier.is_active = False
    closed_supplier.supplier.save()

    assert service_get_bookable(service_id=inactive_service.pk) is None
    assert service_get_bookable(service_id=closed_supplier.pk) is None
