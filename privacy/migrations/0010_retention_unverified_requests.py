"""Seed the retention rule for guest requests that were never confirmed (docs/RETENTION.md)."""

from django.db import migrations


def seed(apps, schema_editor):
    RetentionRule = apps.get_model("privacy", "RetentionRule")
    RetentionRule.objects.get_or_create(
        key="unverified_requests",
        defaults={
            "category": "privacy_requests",
            "description": "Guest requests never confirmed deleted",
            "period_days": 7,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("privacy", "0009_privacy_request_subject_label")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
