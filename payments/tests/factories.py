"""ORM factories for payment tests (bookings are made directly; no booking rules re-implemented)."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookings.models import Booking, Resource, Service, Supplier
from payments.models import SupplierPaymentSettings


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"Frisør {n}")
    slug = factory.Sequence(lambda n: f"frisor-{n}")
    organisation_number = "912345678"
    address_line = "Storgata 1"
    postal_code = "1607"
    city = "Fredrikstad"
    cancellation_deadline_hours = 24


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    supplier = factory.SubFactory(SupplierFactory)
    name = factory.Sequence(lambda n: f"Stol {n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    supplier = factory.SubFactory(SupplierFactory)
    name = factory.Sequence(lambda n: f"Herreklipp {n}")
    duration_minutes = 30
    price_ore = 50_000
    vat_rate = Decimal("25.00")
    payment_mode = Service.PaymentMode.FULL


class PaymentSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupplierPaymentSettings

    supplier = factory.SubFactory(SupplierFactory)
    enabled_providers = factory.LazyFunction(lambda: ["vipps", "stripe", "mollie"])


def _start(n: int):
    base = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    return base + timedelta(hours=n % 2000)


class BookingFactory(factory.django.DjangoModelFactory):
    """A booking awaiting payment, with a hold 15 minutes ahead."""

    class Meta:
        model = Booking

    customer = factory.SubFactory(UserFactory)
    service = factory.SubFactory(ServiceFactory)
    supplier = factory.SelfAttribute("service.supplier")
    resource = factory.SubFactory(ResourceFactory, supplier=factory.SelfAttribute("..supplier"))
    start = factory.Sequence(_start)
    end = factory.LazyAttribute(lambda o: o.start + timedelta(minutes=o.service.duration_minutes))
    blocked_start = factory.SelfAttribute("start")
    blocked_end = factory.SelfAttribute("end")
    status = Booking.Status.PENDING_PAYMENT
    price_ore = factory.SelfAttribute("service.price_ore")
    vat_rate = factory.SelfAttribute("service.vat_rate")
    hold_expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=15))
