"""Never a double booking on PostgreSQL: an exclusion constraint on (resource, blocked interval).

Only bookings that hold time (pending_payment, confirmed) take part. SQLite has no exclusion
constraints; there bookings.services checks overlap inside an IMMEDIATE transaction instead.
The constraint lives outside the model state on purpose: Django would otherwise try to create
it on SQLite too.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CREATE = """
ALTER TABLE bookings_booking ADD CONSTRAINT bookings_booking_no_overlap
EXCLUDE USING gist (
    resource_id WITH =,
    tstzrange(blocked_start, blocked_end, '[)') WITH &&
) WHERE (status IN ('pending_payment', 'confirmed'))
"""
DROP = "ALTER TABLE bookings_booking DROP CONSTRAINT IF EXISTS bookings_booking_no_overlap"


def _postgres_only(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(_postgres_only(CREATE), _postgres_only(DROP), elidable=False),
    ]
