"""A privacy request's public id is labelled "reference" (the admin and the export summary showed
the field's name, "public id", in English too)."""

import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0018_processor_service_in_both_languages"),
    ]

    operations = [
        migrations.AlterField(
            model_name="privacyrequest",
            name="public_id",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="reference"
            ),
        ),
    ]
