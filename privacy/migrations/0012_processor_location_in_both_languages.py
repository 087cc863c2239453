"""The processor register's location in Bokmål as well: the Norwegian pages showed English."""

from django.db import migrations, models

# The seeded English texts (migration 0006) and their Bokmål; rows a DPO has edited since
# keep their text and simply have no Bokmål yet (the English is shown until one is entered).
BOKMAL = {
    "Eemshaven, Netherlands (EU)": "Eemshaven, Nederland (EU)",
    "Vitry-sur-Seine, France (DC2/DC3) and Google Cloud, Belgium (EU)": (
        "Vitry-sur-Seine, Frankrike (DC2/DC3) og Google Cloud, Belgia (EU)"
    ),
    "United States and other countries outside the EU/EEA": "USA og andre land utenfor EU/EØS",
    "Google (EU and United States)": "Google (EU og USA)",
    "Google Ireland Ltd. (EU), with transfers to the United States": (
        "Google Ireland Ltd. (EU), med overføring til USA"
    ),
    "Stripe Payments Europe Ltd., Ireland (EU), with transfers to the United States": (
        "Stripe Payments Europe Ltd., Irland (EU), med overføring til USA"
    ),
    "Norway / Nordics (EEA)": "Norge / Norden (EØS)",
    "Amsterdam, Netherlands (EU)": "Amsterdam, Nederland (EU)",
    "EU and United States (per network)": "EU og USA (avhengig av nettverk)",
}


def fill_bokmal(apps, schema_editor):
    processor_model = apps.get_model("privacy", "Processor")
    for english, bokmal in BOKMAL.items():
        processor_model.objects.filter(location_en=english, location_nb="").update(
            location_nb=bokmal
        )


class Migration(migrations.Migration):
    dependencies = [("privacy", "0011_consent_source_signup")]

    operations = [
        migrations.RenameField("processor", "location", "location_en"),
        migrations.AlterField(
            model_name="processor",
            name="location_en",
            field=models.CharField(max_length=200, verbose_name="location (English)"),
        ),
        migrations.AddField(
            model_name="processor",
            name="location_nb",
            field=models.CharField(blank=True, max_length=200, verbose_name="location (Bokmål)"),
        ),
        migrations.RunPython(fill_bokmal, migrations.RunPython.noop),
    ]
