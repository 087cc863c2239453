"""PostgreSQL only: the consent ledger refuses UPDATE and DELETE at the database level.

DELETE is allowed only when the transaction has set `privacy.ledger_retention = 'on'`
(privacy/ledger_guard.py, used by retention rules). UPDATE is never allowed.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION privacy_consentevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND coalesce(current_setting('privacy.ledger_retention', true), '') = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'privacy_consentevent is append-only (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS privacy_consentevent_append_only ON privacy_consentevent;
CREATE TRIGGER privacy_consentevent_append_only
    BEFORE UPDATE OR DELETE ON privacy_consentevent
    FOR EACH ROW EXECUTE FUNCTION privacy_consentevent_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS privacy_consentevent_append_only ON privacy_consentevent;
DROP FUNCTION IF EXISTS privacy_consentevent_append_only();
"""


def create_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0003_consent_ledger")]
    operations = [migrations.RunPython(create_guard, drop_guard)]
