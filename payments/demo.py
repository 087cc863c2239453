"""Demo payment settings: every demo supplier offers Vipps, card and Mollie (console mode)."""

from bookings.models import Supplier

from .models import SupplierPaymentSettings
from .providers.registry import registry


def seed_payment_settings() -> None:
    """Idempotent: creates missing settings, leaves ones an admin has changed alone."""
    for index, supplier in enumerate(Supplier.objects.order_by("pk")):
        SupplierPaymentSettings.objects.get_or_create(
            supplier=supplier,
            defaults={
                "enabled_providers": registry.identifiers(),
                # One demo supplier keeps a fee on late cancellations, the other keeps it all.
                "late_cancellation_policy": "fee" if index % 2 == 0 else "no_refund",
                "late_cancellation_fee_ore": 15_000 if index % 2 == 0 else 0,
            },
        )
