"""`manage.py privacy_audit_verify`: check the audit trail against its hash chain and its signed
checkpoints; exit 1 if anything was changed, removed, inserted or re-hashed. A successful run
records a new checkpoint of the verified head (unless `--no-checkpoint`)."""

from django.core.management.base import BaseCommand, CommandError

from privacy.audit import audit_chain_verify, audit_checkpoint


class Command(BaseCommand):
    help = (
        "Verify that no audit entry was changed, removed, inserted or re-hashed, against the "
        "hash chain and the signed checkpoints; then checkpoint the verified head."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-checkpoint",
            action="store_true",
            help="Only verify; do not record a checkpoint of the current head.",
        )

    def handle(self, *args, **options):
        report = audit_chain_verify()
        if not report.ok:
            where = (
                f"at entry {report.first_broken_pk}" if report.first_broken_pk else "verification"
            )
            raise CommandError(
                f"Audit trail tampered ({where}): {report.problem} "
                f"({report.checked} entries verified before it)."
            )
        self.stdout.write(
            f"Audit chain intact: {report.checked} entries, {report.anchors} signed checkpoints."
        )
        if not options["no_checkpoint"] and (checkpoint := audit_checkpoint()):
            self.stdout.write(f"Checkpoint {checkpoint.pk} signed at entry {checkpoint.entry_id}.")
