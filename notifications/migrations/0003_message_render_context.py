from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_supplier_notice_settings"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="render_context",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
    ]
