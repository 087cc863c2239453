"""The first policy's English text ended with "en_USEnglish", a language switcher's label
copied along with the policy from the web page; it is no part of the policy.

Only that exact trailing line of the shipped version is removed: a version whose text differs
keeps it (stored texts are evidence, and anything else is a DPO's own wording).
"""

from django.db import migrations

VERSION = "2025-02-21"
STRAY = "\n\nen_USEnglish"


def remove_stray_tag(apps, schema_editor):
    PolicyVersion = apps.get_model("privacy", "PolicyVersion")
    for policy in PolicyVersion.objects.filter(version=VERSION, body_en__endswith=STRAY):
        policy.body_en = policy.body_en.removesuffix(STRAY) + "\n"
        policy.save(update_fields=["body_en"])


class Migration(migrations.Migration):
    dependencies = [("privacy", "0015_inactivity_warning_by_sms")]
    operations = [migrations.RunPython(remove_stray_tag, migrations.RunPython.noop)]
