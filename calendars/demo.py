"""Demo data for `make run`: each demo supplier's first resource gets a console-mode calendar,
so the admin shows connections and event mirrors without any Google account."""

from bookings.models import Resource

from .models import CalendarConnection
from .services import connection_connect_console
from .services.gateways import google_configured

DEMO_SUPPLIER_SLUGS = ("salong-fjord", "fysio-sentrum")


def seed_calendars() -> None:
    """Idempotent: resources that already have a connection are left as they are."""
    if google_configured():
        return  # a real deployment connects calendars through Google's consent screen
    for slug in DEMO_SUPPLIER_SLUGS:
        resource = (
            Resource.objects.filter(supplier__slug=slug, is_active=True)
            .order_by("sort_order", "name", "pk")
            .first()
        )
        if resource is None or CalendarConnection.objects.filter(resource=resource).exists():
            continue
        connection_connect_console(resource=resource)
