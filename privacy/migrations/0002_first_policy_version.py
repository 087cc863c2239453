import datetime
from pathlib import Path

from django.db import migrations
from django.utils import timezone

TEXTS = Path(__file__).resolve().parent.parent / "policy_texts"
VERSION = "2025-02-21"


def _read(language: str) -> str:
    path = TEXTS / f"{VERSION}.{language}.txt"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def create_first_version(apps, schema_editor):
    """The published policy of 21.02.2025 is the first version (privacy/policy_texts/)."""
    PolicyVersion = apps.get_model("privacy", "PolicyVersion")
    PolicyVersion.objects.get_or_create(
        version=VERSION,
        defaults={
            "effective_date": datetime.date(2025, 2, 21),
            "body_en": _read("en"),
            "body_nb": _read("nb"),
            "is_material_change": True,
            "published_at": timezone.now(),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]
    operations = [migrations.RunPython(create_first_version, migrations.RunPython.noop)]
