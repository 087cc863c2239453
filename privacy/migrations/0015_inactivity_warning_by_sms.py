"""The inactivity warning now also goes by SMS to records with only a mobile number."""

from django.db import migrations

OLD = "Inactive accounts warned by e-mail"
NEW = "Inactive accounts warned by e-mail or SMS"


def describe_sms(apps, schema_editor):
    RetentionRule = apps.get_model("privacy", "RetentionRule")
    # Only the untouched default: a description the DPO rewrote stays theirs.
    RetentionRule.objects.filter(key="inactive_accounts_warn", description=OLD).update(
        description=NEW
    )


def describe_email(apps, schema_editor):
    RetentionRule = apps.get_model("privacy", "RetentionRule")
    RetentionRule.objects.filter(key="inactive_accounts_warn", description=NEW).update(
        description=OLD
    )


class Migration(migrations.Migration):
    dependencies = [("privacy", "0014_audit_checkpoints_and_ledger_keeper")]
    operations = [migrations.RunPython(describe_sms, describe_email)]
