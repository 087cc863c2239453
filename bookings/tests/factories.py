from datetime import time, timedelta

import factory

from bookings.models import Booking, OpeningHours, Resource, Service, Supplier


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"Salong {n}")
    slug = factory.Sequence(lambda n: f"salong-{n}")
    cancellation_deadline_hours = 24
    # Tests book on dates computed from today, which may fall on a public holiday (Easter
    # Monday, Christmas): open on holidays unless a test is about them (test_public_holidays).
    closed_on_public_holidays = False


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource
        skip_postgeneration_save = True

    supplier = factory.SubFactory(SupplierFactory)
    name = factory.Sequence(lambda n: f"Stylist {n}")

    @factory.post_generation
    def hours(self, create, extracted, **kwargs):
        """Every day 09:00–17:00 unless hours=[(weekday, start, end), ...] is given."""
        if not create:
            return
        spec = (
            extracted if extracted is not None else [(day, time(9), time(17)) for day in range(7)]
        )
        OpeningHours.objects.bulk_create(
            OpeningHours(resource=self, weekday=day, start_time=start, end_time=end)
            for day, start, end in spec
        )


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        skip_postgeneration_save = True

    supplier = factory.SubFactory(SupplierFactory)
    name = factory.Sequence(lambda n: f"Klipp {n}")
    duration_minutes = 30
    slot_interval_minutes = 30
    minimum_notice_minutes = 60
    booking_horizon_days = 60
    price_ore = 49_000

    @factory.post_generation
    def resources(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            extracted = [ResourceFactory(supplier=self.supplier)]
        self.resources.set(extracted)


def booking_build(*, customer, service, resource, start, minutes: int | None = None, **fields):
    """An unsaved booking of `service` at `start`, blocking exactly its own time (no buffers),
    confirmed unless `fields` say otherwise: for tests and benchmarks that place bookings
    directly (bulk_create, past dates) instead of through booking_create. A bulk_create caller
    names a unique `reference` (bulk_create has no retry on a clash of random ones)."""
    end = start + timedelta(minutes=service.duration_minutes if minutes is None else minutes)
    return Booking(
        customer=customer,
        supplier_id=service.supplier_id,
        service=service,
        resource=resource,
        start=start,
        end=end,
        blocked_start=start,
        blocked_end=end,
        price_ore=service.price_ore,
        vat_rate=service.vat_rate,
        **{"status": Booking.Status.CONFIRMED, **fields},
    )
