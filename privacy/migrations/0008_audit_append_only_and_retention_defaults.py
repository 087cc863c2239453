"""PostgreSQL refuses UPDATE/DELETE on the audit trail; seed the documented retention defaults."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION privacy_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'privacy_auditentry is append-only (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS privacy_auditentry_append_only ON privacy_auditentry;
CREATE TRIGGER privacy_auditentry_append_only
    BEFORE UPDATE OR DELETE ON privacy_auditentry
    FOR EACH ROW EXECUTE FUNCTION privacy_auditentry_append_only();
"""
# TRUNCATE is not guarded by a trigger: it is a table-owner operation that the application's
# database role is not granted in production (docs/RETENTION.md), and Django's test flush needs it.

DROP = """
DROP TRIGGER IF EXISTS privacy_auditentry_append_only ON privacy_auditentry;
DROP FUNCTION IF EXISTS privacy_auditentry_append_only();
"""

# (key, category, description, days): docs/RETENTION.md gives the reason for each.
DEFAULTS = [
    ("payment_holds_abandoned", "payments", "Name and e-mail removed from orders never paid", 1),
    ("contact_messages", "contact_messages", "Contact-form copies deleted", 90),
    ("outbox_bodies", "outbox_messages", "Text and address of sent messages blanked", 90),
    ("outbox_metadata", "outbox_messages", "Record of sent messages deleted", 365),
    (
        "erasure_confirmations",
        "outbox_messages",
        "Address of sent erasure confirmations blanked",
        0,
    ),
    ("dsar_exports", "dsar_exports", "Export ZIP files deleted when the link expires", 7),
    ("anonymous_consents", "consents", "Cookie choices of anonymous visitors deleted", 396),
    ("consents_of_erased", "consents", "Consent ledger of deleted accounts deleted", 1095),
    ("bookings_of_deleted", "bookings", "Bookings of deleted accounts anonymised", 0),
    ("booking_notes", "bookings", "Notes of past bookings blanked", 730),
    ("inactive_accounts_warn", "account", "Inactive accounts warned by e-mail", 1095),
    ("inactive_accounts_delete", "account", "Warned inactive accounts erased", 30),
    (
        "accounting_records",
        "payments",
        "Accounting records anonymised after the Accounting Act period",
        0,
    ),
    ("sessions_expired", "sessions", "Expired login sessions deleted", 0),
]


def create_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


def seed_rules(apps, schema_editor):
    RetentionRule = apps.get_model("privacy", "RetentionRule")
    for key, category, description, days in DEFAULTS:
        RetentionRule.objects.get_or_create(
            key=key,
            defaults={"category": category, "description": description, "period_days": days},
        )


class Migration(migrations.Migration):
    dependencies = [("privacy", "0007_privacy_desk")]
    operations = [
        migrations.RunPython(create_guard, drop_guard),
        migrations.RunPython(seed_rules, migrations.RunPython.noop),
    ]
