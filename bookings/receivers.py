"""Model signals that keep the slots API's cached answers honest (bookings.slot_cache).

Every model the slot engine reads names its supplier, directly or through a resource; a save or
delete of any of them marks that supplier's cached answers stale once the transaction commits.
Bulk writes send no signals: the few that touch these tables call slots_changed themselves
(calendars' busy-time pull).
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import (
    Booking,
    BusyBlock,
    DateException,
    OpeningHours,
    Resource,
    Service,
    Supplier,
    SupplierOpeningHours,
)
from .slot_cache import slots_changed

WITH_SUPPLIER = (Booking, DateException, Resource, Service, SupplierOpeningHours)
WITH_RESOURCE = (BusyBlock, OpeningHours)


def _supplier_id_of_resource(instance: BusyBlock | OpeningHours) -> int | None:
    if type(instance).resource.is_cached(instance):
        return instance.resource.supplier_id
    # Cascade deletes come here after the resource row may be gone: its own signal covers it.
    return (
        Resource.objects.filter(pk=instance.resource_id)
        .values_list("supplier_id", flat=True)
        .first()
    )


def _calendar_row_written(sender, instance, **kwargs) -> None:
    if isinstance(instance, Supplier):
        slots_changed(instance.pk)
    elif isinstance(instance, WITH_SUPPLIER):
        slots_changed(instance.supplier_id)
    else:
        slots_changed(_supplier_id_of_resource(instance))


def _service_resources_changed(sender, instance, action: str, **kwargs) -> None:
    if action.startswith("post_"):  # `instance` is the service, or a resource (reverse side)
        slots_changed(instance.supplier_id)


def connect() -> None:
    for model in (Supplier, *WITH_SUPPLIER, *WITH_RESOURCE):
        uid = f"slot_cache_{model.__name__}"
        post_save.connect(_calendar_row_written, sender=model, dispatch_uid=f"{uid}_save")
        post_delete.connect(_calendar_row_written, sender=model, dispatch_uid=f"{uid}_delete")
    m2m_changed.connect(
        _service_resources_changed,
        sender=Service.resources.through,
        dispatch_uid="slot_cache_service_resources",
    )
