"""A calendar whose grant stopped working: stop using it and tell the supplier's staff.

Without this, a revoked grant would silently stop both directions of the sync, and busy time
added in Google would no longer block online bookings.
"""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from bookings.models import SupplierStaff
from bookingtjeneste.signals import calendar_needs_reauth

from ..models import CalendarConnection

TEMPLATE_KEY = "calendar_reauth"


def connection_mark_needs_reauth(*, connection_id: int, code: str) -> bool:
    """Set an active connection to `needs_reauth` and e-mail each staff member of its supplier
    once per such transition. Returns False when it was not active (nothing changes).

    The e-mails are announced with `calendar_needs_reauth` inside this transaction; the
    notifications app writes them to its outbox (calendars never imports it: siblings)."""
    now = timezone.now()
    with transaction.atomic():
        connection = (
            CalendarConnection.objects.select_for_update(of=("self",))
            .select_related("resource__supplier")
            .filter(pk=connection_id, status=CalendarConnection.Status.ACTIVE)
            .first()
        )
        if connection is None:
            return False
        connection.status = CalendarConnection.Status.NEEDS_REAUTH
        connection.last_error = f"needs_reauth {code}".strip()[:200]
        connection.save(update_fields=["status", "last_error", "updated_at"])
        resource = connection.resource
        context = {
            "resource_name": resource.name,
            "supplier_name": resource.supplier.name,
            "connect_url": settings.SITE_URL + reverse("calendars:connect", args=[resource.pk]),
        }
        staff = (
            SupplierStaff.objects.filter(supplier_id=resource.supplier_id, user__is_active=True)
            .select_related("user")
            .order_by("pk")
        )
        notices = [
            dict(
                template_key=TEMPLATE_KEY,
                idempotency_key=(
                    f"calendar-reauth:{connection.pk}:{membership.user_id}:{now:%Y%m%dT%H%M%S%f}"
                ),
                recipient=membership.user,
                context=context,
            )
            for membership in staff
        ]
        calendar_needs_reauth.send(
            sender=CalendarConnection, connection=connection, notices=notices
        )
    return True
