"""A processor's service in Bokmål and English, like its purpose and location: the shipped
register wrote both in one field ("Web hosting / Webhotell"), so each page showed both
languages. The field becomes `service_en` and gains `service_nb`; a shipped "English / Bokmål"
text is split in two (a text without " / " stays English, with the Bokmål left empty, which
pages fill from the English until the DPO writes it)."""

from django.db import migrations, models

# The one shipped service without a " / " half in Bokmål.
SOCIAL_NETWORKS_EN = "Facebook/Instagram (Meta), TikTok, Snapchat and others"
SOCIAL_NETWORKS_NB = "Facebook/Instagram (Meta), TikTok, Snapchat med flere"


def split_languages(apps, schema_editor):
    Processor = apps.get_model("privacy", "Processor")
    for processor in Processor.objects.all():
        english, separator, bokmal = processor.service_en.partition(" / ")
        if separator:
            processor.service_en, processor.service_nb = english.strip(), bokmal.strip()
        elif processor.service_en == SOCIAL_NETWORKS_EN:
            processor.service_nb = SOCIAL_NETWORKS_NB
        else:
            continue
        processor.save(update_fields=["service_en", "service_nb"])


def join_languages(apps, schema_editor):
    Processor = apps.get_model("privacy", "Processor")
    for processor in Processor.objects.exclude(service_nb=""):
        if processor.service_en == SOCIAL_NETWORKS_EN:
            continue
        processor.service_en = f"{processor.service_en} / {processor.service_nb}"
        processor.save(update_fields=["service_en"])


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0017_retention_rule_text_from_code"),
    ]

    operations = [
        migrations.RenameField(model_name="processor", old_name="service", new_name="service_en"),
        migrations.AlterField(
            model_name="processor",
            name="service_en",
            field=models.CharField(max_length=200, verbose_name="service (English)"),
        ),
        migrations.AddField(
            model_name="processor",
            name="service_nb",
            field=models.CharField(blank=True, max_length=200, verbose_name="service (Bokmål)"),
        ),
        migrations.RunPython(split_languages, join_languages),
    ]
