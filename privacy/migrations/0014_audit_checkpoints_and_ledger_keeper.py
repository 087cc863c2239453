"""Tamper evidence that the application's database role cannot switch off (PostgreSQL only).

1. `AuditCheckpoint`: signed heads of the audit trail, append-only with no way around it.
2. The consent ledger no longer opens for a session variable (migration 0004 let any session
   `SET LOCAL privacy.ledger_retention = 'on'`). Rows are deleted only by
   `privacy_consent_ledger_purge()`, a SECURITY DEFINER function owned by the NOLOGIN role
   `privacy_ledger_keeper`, which re-checks each retention rule's condition row by row; the
   trigger lets a DELETE through only when `current_user` is that role, i.e. inside the
   function. EXECUTE is granted to the NOLOGIN group `privacy_retention`, which the operator
   grants to the role that runs retention sweeps (docs/RETENTION.md, "Database roles").
3. TRUNCATE of the three guarded tables is refused to anyone but their owner (Django's test
   flush runs as the owner).

Roles are cluster-wide: they are created if missing and never dropped on reversal (another
database of the cluster may use them). Migrating needs a role with CREATEROLE (or the two
roles created beforehand by a superuser).
"""

from django.conf import settings
from django.db import migrations, models

KEEPER = "privacy_ledger_keeper"
RETENTION_GROUP = "privacy_retention"
GUARDED_TABLES = ("privacy_consentevent", "privacy_auditentry", "privacy_auditcheckpoint")

CREATE_ROLE = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
        CREATE ROLE {role} NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;  -- created at the same moment by a migration of another database in the cluster
END $$;
"""

CONSENT_TRIGGER = f"""
CREATE OR REPLACE FUNCTION privacy_consentevent_append_only() RETURNS trigger AS $$
BEGIN
    -- Only privacy_consent_ledger_purge() runs as this role; nobody else can become it.
    IF TG_OP = 'DELETE' AND current_user = '{KEEPER}' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'privacy_consentevent is append-only (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""

CHECKPOINT_TRIGGER = """
CREATE OR REPLACE FUNCTION privacy_auditcheckpoint_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'privacy_auditcheckpoint is append-only (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS privacy_auditcheckpoint_append_only ON privacy_auditcheckpoint;
CREATE TRIGGER privacy_auditcheckpoint_append_only
    BEFORE UPDATE OR DELETE ON privacy_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION privacy_auditcheckpoint_append_only();
"""

TRUNCATE_GUARD = """
CREATE OR REPLACE FUNCTION privacy_refuse_truncate_unless_owner() RETURNS trigger AS $$
BEGIN
    IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE')
    THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is append-only (TRUNCATE refused)', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""

# The rule conditions repeat privacy/retention.py's selectors on purpose: Python chooses the
# rows, the database refuses any it chose that the rule does not cover.
PURGE_FUNCTION = """
CREATE OR REPLACE FUNCTION privacy_consent_ledger_purge(
    p_rule text, p_ids bigint[], p_cutoff timestamptz
) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
    deleted integer;
BEGIN
    IF p_rule = 'anonymous_consents' THEN
        DELETE FROM privacy_consentevent e
         WHERE e.id = ANY (p_ids)
           AND e.subject_type = 'anonymous'
           AND e.created_at < p_cutoff
           AND NOT EXISTS (
               SELECT 1 FROM privacy_consentsubjectlink l WHERE l.consent_id = e.subject_id);
    ELSIF p_rule = 'consents_of_erased' THEN
        DELETE FROM privacy_consentevent e
         WHERE e.id = ANY (p_ids)
           AND EXISTS (
               SELECT 1 FROM privacy_privacyrequest r
                WHERE r.type = 'erasure' AND r.status = 'completed'
                  AND r.completed_at < p_cutoff
                  AND r.subject_public_id IS NOT NULL
                  AND NOT EXISTS (
                      SELECT 1 FROM {user_table} u WHERE u.public_id = r.subject_public_id)
                  AND (r.subject_public_id = e.subject_id
                       OR EXISTS (
                           SELECT 1 FROM privacy_consentsubjectlink l
                            WHERE l.consent_id = e.subject_id
                              AND l.user_public_id = r.subject_public_id)));
    ELSE
        RAISE EXCEPTION 'no ledger retention rule %', p_rule
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    RETURN deleted;
END;
$$;
"""
PURGE_SIGNATURE = "privacy_consent_ledger_purge(text, bigint[], timestamptz)"

# Reversal restores migration 0004's function (its trigger stays in place throughout).
CONSENT_TRIGGER_0004 = """
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
"""


def _quote(schema_editor, name: str) -> str:
    return schema_editor.quote_name(name)


def create_guards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_schema(), rolsuper FROM pg_roles WHERE rolname = current_user"
        )
        schema, is_superuser = cursor.fetchone()
    schema = _quote(schema_editor, schema)
    user_table = _quote(schema_editor, apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table)
    run = schema_editor.execute
    for role in (KEEPER, RETENTION_GROUP):
        run(CREATE_ROLE.format(role=role), params=None)
    if not is_superuser:
        # A non-superuser can hand a function to a role only if it may act as that role, and
        # the role may create in the schema (ALTER FUNCTION ... OWNER TO).
        run(f"GRANT {KEEPER} TO CURRENT_USER", params=None)
    run(f"GRANT USAGE, CREATE ON SCHEMA {schema} TO {KEEPER}", params=None)
    run(f"GRANT SELECT, DELETE ON privacy_consentevent TO {KEEPER}", params=None)
    run(
        f"GRANT SELECT ON privacy_consentsubjectlink, privacy_privacyrequest, {user_table} "
        f"TO {KEEPER}",
        params=None,
    )
    run(CONSENT_TRIGGER, params=None)
    run(PURGE_FUNCTION.format(schema=schema, user_table=user_table), params=None)
    run(f"ALTER FUNCTION {PURGE_SIGNATURE} OWNER TO {KEEPER}", params=None)
    run(f"REVOKE ALL ON FUNCTION {PURGE_SIGNATURE} FROM PUBLIC", params=None)
    run(f"GRANT EXECUTE ON FUNCTION {PURGE_SIGNATURE} TO {RETENTION_GROUP}", params=None)
    run(CHECKPOINT_TRIGGER, params=None)
    run(TRUNCATE_GUARD, params=None)
    for table in GUARDED_TABLES:
        run(
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}; "
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION privacy_refuse_truncate_unless_owner();",
            params=None,
        )


def drop_guards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    for table in GUARDED_TABLES:
        run(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}", params=None)
    run("DROP FUNCTION IF EXISTS privacy_refuse_truncate_unless_owner()", params=None)
    run(
        "DROP TRIGGER IF EXISTS privacy_auditcheckpoint_append_only ON privacy_auditcheckpoint; "
        "DROP FUNCTION IF EXISTS privacy_auditcheckpoint_append_only();",
        params=None,
    )
    run(f"DROP FUNCTION IF EXISTS {PURGE_SIGNATURE}", params=None)
    run(CONSENT_TRIGGER_0004, params=None)
    run(f"REVOKE ALL ON privacy_consentevent FROM {KEEPER}", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0013_marketing_choice_offer"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(verbose_name="time")),
                ("entry_id", models.BigIntegerField(verbose_name="newest entry")),
                ("entry_count", models.PositiveBigIntegerField(verbose_name="entries up to it")),
                (
                    "entry_hash",
                    models.CharField(max_length=64, verbose_name="hash of the newest entry"),
                ),
                ("key_id", models.CharField(max_length=16, verbose_name="signing key id")),
                ("signature", models.CharField(max_length=64, verbose_name="signature")),
            ],
            options={
                "verbose_name": "audit checkpoint",
                "verbose_name_plural": "audit checkpoints",
                "ordering": ["pk"],
                "default_permissions": ("view",),
            },
        ),
        migrations.RunPython(create_guards, drop_guards),
    ]
