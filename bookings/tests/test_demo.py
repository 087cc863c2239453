import pytest
from django.core.management import call_command

from bookings.models import Booking, DateException, Supplier

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_alive(client):
    call_command("seed_demo", verbosity=0)
    counts = (Supplier.objects.count(), Booking.objects.count(), DateException.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (
        Supplier.objects.count(),
        Booking.objects.count(),
        DateException.objects.count(),
    ) == counts
    assert counts[0] >= 2 and counts[1] >= 2
    assert Booking.objects.filter(customer__email="customer@example.com").exists()
    assert client.get("/s/salong-fjord/").status_code == 200
    assert client.get("/s/fysio-sentrum/").status_code == 200
