"""`manage.py privacy_audit_verify`: recompute the audit trail's hash chain; exit 1 if broken."""

from django.core.management.base import BaseCommand, CommandError

from privacy.audit import audit_chain_verify


class Command(BaseCommand):
    help = "Verify that no audit entry was changed, removed or inserted."

    def handle(self, *args, **options):
        report = audit_chain_verify()
        if not report.ok:
            raise CommandError(
                f"Audit chain broken at entry {report.first_broken_pk}: {report.problem} "
                f"({report.checked} entries verified before it)."
            )
        self.stdout.write(f"Audit chain intact: {report.checked} entries.")
