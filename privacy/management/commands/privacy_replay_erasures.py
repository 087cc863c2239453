"""`manage.py privacy_replay_erasures --since YYYY-MM-DD`: after restoring a backup, erase again
everyone erased since that date (from the erasure journal and the completed requests)."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from privacy.erasure import erasures_replay


class Command(BaseCommand):
    help = "Re-apply every erasure recorded since a date (run after a restore from backup)."

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help="YYYY-MM-DD (the backup's date).")

    def handle(self, *args, since: str, **options):
        try:
            day = datetime.strptime(since, "%Y-%m-%d").date()
        except ValueError as error:
            raise CommandError("--since must be YYYY-MM-DD.") from error
        replayed = erasures_replay(since=day)
        self.stdout.write(f"Erased again: {len(replayed)}")
