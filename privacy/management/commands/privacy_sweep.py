"""`manage.py privacy_sweep [--dry-run] [--as-of YYYY-MM-DD]`: apply every retention rule."""

import json
from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from privacy.retention import retention_sweep


class Command(BaseCommand):
    help = "Apply every enabled retention rule as of a date (default now)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count only; change nothing.")
        parser.add_argument("--as-of", help="YYYY-MM-DD: run as if it were the end of that day.")

    def handle(self, *args, dry_run: bool = False, as_of: str | None = None, **options):
        moment = None
        if as_of:
            try:
                day = datetime.strptime(as_of, "%Y-%m-%d").date()
            except ValueError as error:
                raise CommandError("--as-of must be YYYY-MM-DD.") from error
            # Retention periods are counted back from this day: far-off years would overflow.
            if not 2000 <= day.year <= 2200:
                raise CommandError("--as-of must be a date between the years 2000 and 2200.")
            moment = timezone.make_aware(datetime.combine(day, time(23, 59, 59)))
        run = retention_sweep(as_of=moment, dry_run=dry_run)
        verb = "would change" if dry_run else "changed"
        for rule, count in run.counts.items():
            self.stdout.write(f"{rule}: {verb} {count}")
        self.stdout.write(json.dumps({"sweep": run.pk, "dry_run": dry_run, "counts": run.counts}))
