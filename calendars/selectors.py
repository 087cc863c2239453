"""Calendar sync reads: what a staff user may manage."""

from django.db.models import QuerySet

from accounts.roles import sees_every_supplier, supplier_scoped
from bookings.models import Resource

from .models import CalendarConnection, EventMirror


def manageable_resources(*, user) -> QuerySet[Resource]:
    """Resources whose calendar `user` may connect: every one for superusers and
    Administrators, their own supplier's for supplier staff, none for anyone else."""
    if not sees_every_supplier(user) and not getattr(user, "is_staff", False):
        return Resource.objects.none()
    return supplier_scoped(Resource.objects.select_related("supplier"), user)


def connections_visible_to(*, user) -> QuerySet[CalendarConnection]:
    return CalendarConnection.objects.select_related("resource__supplier").filter(
        resource__in=manageable_resources(user=user)
    )


def mirrors_visible_to(*, user) -> QuerySet[EventMirror]:
    return EventMirror.objects.select_related("connection__resource").filter(
        connection__resource__in=manageable_resources(user=user)
    )
