"""Demo suppliers for `make run`: a hair salon and a physiotherapy clinic. Idempotent."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accounts import roles
from accounts.demo import demo_user_ensure
from accounts.models import User

from .exceptions import BookingError
from .models import (
    Booking,
    BusyBlock,
    DateException,
    OpeningHours,
    Resource,
    Service,
    Supplier,
    SupplierOpeningHours,
    SupplierStaff,
)
from .services import booking_create

OSLO = ZoneInfo("Europe/Oslo")

DEMO_SUPPLIERS = [
    {
        "slug": "salong-fjord",
        "name": "Salong Fjord",
        "organisation_number": "912345678",
        "description": "Frisørsalong i Fredrikstad sentrum. Klipp, farge og styling.",
        "address_line": "Storgata 12",
        "postal_code": "1607",
        "city": "Fredrikstad",
        "contact_email": "post@salong-fjord.example.com",
        "contact_phone": "+4769000001",
        "resources": ["Ingrid", "Jonas", "Amira"],
        "services": [
            {
                "name": "Dameklipp",
                "duration_minutes": 45,
                "price_ore": 69_000,
                "buffer_after_minutes": 15,
            },
            {"name": "Herreklipp", "duration_minutes": 30, "price_ore": 49_000},
            {
                "name": "Farge og klipp",
                "duration_minutes": 120,
                "price_ore": 189_000,
                "buffer_after_minutes": 15,
                "payment_mode": "deposit",
                "deposit_ore": 50_000,
            },
        ],
        # The salon's week, which its staff follow. Lunch 12:00–12:30 on weekdays: two
        # intervals a day make the break.
        "hours": [
            (0, 4, time(9), time(12)),
            (0, 4, time(12, 30), time(17)),
            (5, 5, time(10), time(15)),
        ],
        # Amira works evenings, Tuesday to Friday: her own hours replace the salon's week.
        "own_hours": {"Amira": [(1, 4, time(12), time(20))]},
        "staff_name": "Siri Salong",
    },
    {
        "slug": "fysio-sentrum",
        "name": "Fysio Sentrum",
        "organisation_number": "998877665",
        "description": "Fysioterapi og trening. Ingen henvisning nødvendig.",
        "address_line": "Nygaardsgata 5",
        "postal_code": "1606",
        "city": "Fredrikstad",
        "contact_email": "post@fysio-sentrum.example.com",
        "contact_phone": "+4769000002",
        "resources": ["Behandlingsrom 1", "Behandlingsrom 2"],
        "services": [
            {
                "name": "Førstegangskonsultasjon",
                "duration_minutes": 60,
                "price_ore": 95_000,
                "vat_rate": "0",
                "payment_mode": "full",
                "buffer_after_minutes": 10,
            },
            {
                "name": "Oppfølgingstime",
                "duration_minutes": 30,
                "price_ore": 65_000,
                "vat_rate": "0",
                "buffer_after_minutes": 10,
            },
        ],
        "hours": [(0, 4, time(8), time(11, 30)), (0, 4, time(12), time(16))],
        "staff_name": "Per Fysio",
    },
]


@transaction.atomic
def seed_suppliers() -> None:
    for spec in DEMO_SUPPLIERS:
        supplier, _ = Supplier.objects.update_or_create(
            slug=spec["slug"],
            defaults={
                key: spec[key]
                for key in (
                    "name",
                    "organisation_number",
                    "description",
                    "address_line",
                    "postal_code",
                    "city",
                    "contact_email",
                    "contact_phone",
                )
            },
        )
        if not supplier.opening_hours.exists():
            SupplierOpeningHours.objects.bulk_create(
                SupplierOpeningHours(supplier=supplier, weekday=day, start_time=start, end_time=end)
                for first, last, start, end in spec["hours"]
                for day in range(first, last + 1)
            )
        resources = []
        for order, name in enumerate(spec["resources"]):
            resource, _ = Resource.objects.update_or_create(
                supplier=supplier, name=name, defaults={"sort_order": order}
            )
            resources.append(resource)
            # Everyone else has no hours of their own: they follow the supplier's week.
            own_hours = spec.get("own_hours", {}).get(name)
            if own_hours and not resource.opening_hours.exists():
                OpeningHours.objects.bulk_create(
                    OpeningHours(resource=resource, weekday=day, start_time=start, end_time=end)
                    for first, last, start, end in own_hours
                    for day in range(first, last + 1)
                )
        for order, service_spec in enumerate(spec["services"]):
            service, _ = Service.objects.update_or_create(
                supplier=supplier,
                name=service_spec["name"],
                defaults={
                    **{k: v for k, v in service_spec.items() if k != "name"},
                    "sort_order": order,
                },
            )
            service.resources.set(resources)
        staff = demo_user_ensure(
            email=f"staff@{supplier.slug}.example.com",
            full_name=spec["staff_name"],
            role=roles.SUPPLIER_STAFF,
            is_staff=True,
        )
        SupplierStaff.objects.update_or_create(user=staff, defaults={"supplier": supplier})
        _seed_exceptions(supplier, resources)
    _seed_bookings()


def _next_weekday(weekday: int, weeks: int = 1) -> date:
    today = timezone.localdate()
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7 * (weeks - 1) + 1)


def _seed_exceptions(supplier: Supplier, resources: list[Resource]) -> None:
    """Christmas Eve closed, one short day, one staff day off.

    Public holidays need no rows: suppliers close on them by default (closed_on_public_holidays).
    Christmas Eve is no public holiday in Norway, so closing on it is the salon's own choice.
    """
    DateException.objects.get_or_create(
        supplier=supplier,
        resource=None,
        date=date(timezone.localdate().year, 12, 24),
        defaults={"reason": "Julaften"},
    )
    short_day = _next_weekday(4, weeks=2)  # a Friday with shorter opening
    DateException.objects.get_or_create(
        supplier=supplier,
        resource=None,
        date=short_day,
        is_closed=False,
        defaults={"start_time": time(9), "end_time": time(13), "reason": "Kurs for de ansatte"},
    )
    DateException.objects.get_or_create(
        supplier=supplier,
        resource=resources[-1],
        date=_next_weekday(2, weeks=2),
        defaults={"reason": "Fri"},
    )
    first = resources[0]
    if not first.busy_blocks.exists():
        day = _next_weekday(1)
        BusyBlock.objects.create(
            resource=first,
            start=datetime.combine(day, time(14), tzinfo=OSLO),
            end=datetime.combine(day, time(16), tzinfo=OSLO),
            note="Møte med leverandør",
        )


def _seed_bookings() -> None:
    """A few bookings for customer@example.com: upcoming ones and a completed one."""
    customer = User.objects.filter(email="customer@example.com").first()
    if customer is None:
        return
    plans = [
        ("demo-1", "salong-fjord", "Dameklipp", _next_weekday(1), time(10)),
        ("demo-2", "fysio-sentrum", "Oppfølgingstime", _next_weekday(3), time(8, 30)),
        ("demo-3", "salong-fjord", "Herreklipp", _next_weekday(0, weeks=2), time(13)),
    ]
    for key, slug, service_name, day, clock in plans:
        if Booking.objects.filter(customer=customer, idempotency_key=key).exists():
            continue
        service = Service.objects.get(supplier__slug=slug, name=service_name)
        try:
            booking_create(
                customer=customer,
                service=service,
                start=datetime.combine(day, clock, tzinfo=OSLO),
                idempotency_key=key,
            )
        except BookingError:
            continue  # the demo slot is taken or closed this time round: skip it
    if not Booking.objects.filter(customer=customer, idempotency_key="demo-past").exists():
        service = Service.objects.get(supplier__slug="salong-fjord", name="Herreklipp")
        start = datetime.combine(timezone.localdate() - timedelta(days=20), time(11), tzinfo=OSLO)
        Booking.objects.create(
            customer=customer,
            supplier=service.supplier,
            service=service,
            resource=service.resources.first(),
            start=start,
            end=start + timedelta(minutes=service.duration_minutes),
            blocked_start=start,
            blocked_end=start + timedelta(minutes=service.duration_minutes),
            status=Booking.Status.COMPLETED,
            price_ore=service.price_ore,
            vat_rate=service.vat_rate,
            idempotency_key="demo-past",
            confirmed_at=start - timedelta(days=3),
        )
