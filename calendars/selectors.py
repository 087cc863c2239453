"""Calendar sync reads: what a staff user may manage."""

from django.db.models import QuerySet

from bookings.models import Resource

from .models import CalendarConnection, EventMirror


def user_supplier_id(user) -> int | None:
    membership = getattr(user, "supplier_membership", None)
    return membership.supplier_id if membership is not None else None


def manageable_resources(*, user) -> QuerySet[Resource]:
    """Resources whose calendar `user` may connect: all for superusers, their own supplier's
    for supplier staff, none for anyone else."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Resource.objects.none()
    if user.is_superuser:
        return Resource.objects.select_related("supplier")
    supplier_id = user_supplier_id(user)
    if supplier_id is None or not user.is_staff:
        return Resource.objects.none()
    return Resource.objects.select_related("supplier").filter(supplier_id=supplier_id)


def connections_visible_to(*, user) -> QuerySet[CalendarConnection]:
    return CalendarConnection.objects.select_related("resource__supplier").filter(
        resource__in=manageable_resources(user=user)
    )


def mirrors_visible_to(*, user) -> QuerySet[EventMirror]:
    return EventMirror.objects.select_related("connection__resource").filter(
        connection__resource__in=manageable_resources(user=user)
    )
