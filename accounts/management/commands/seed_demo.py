from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

# Each app seeds its own demo data; order matters (users before the suppliers that employ them).
SEEDERS = [
    "privacy.demo.seed_privacy",
    "accounts.demo.seed_users",
    "bookings.demo.seed_suppliers",
    "calendars.demo.seed_calendars",
    "payments.demo.seed_payment_settings",
]


class Command(BaseCommand):
    help = "Create or refresh the demo data (idempotent). Demo password: demo-password-123."

    def handle(self, *args, **options) -> None:
        for dotted_path in SEEDERS:
            with transaction.atomic():
                import_string(dotted_path)()
            self.stdout.write(f"seeded: {dotted_path}")
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
