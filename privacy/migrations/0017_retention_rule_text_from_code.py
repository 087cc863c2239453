"""A retention rule's description is the code's (RuleDefinition.description, translated when
shown), not a column: the stored copies were English only and could drift from what the rule
does. The DPO's part of the row, the period and whether the rule runs, is kept as it is.
The rule's `updated_at` and the audit trail's hashes get labels the admin can translate."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0016_policy_en_without_stray_language_tag"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="retentionrule",
            name="description",
        ),
        migrations.AlterField(
            model_name="retentionrule",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="changed"),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="previous_hash",
            field=models.CharField(max_length=64, verbose_name="previous hash"),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="hash",
            field=models.CharField(max_length=64, unique=True, verbose_name="hash"),
        ),
    ]
