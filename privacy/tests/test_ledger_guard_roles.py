"""PostgreSQL only: what the production application role can and cannot do to the ledgers.

Tests and CI connect as the `postgres` superuser, so this module creates a non-superuser LOGIN
role the way production has one (docs/RETENTION.md, "Database roles") and acts as it — through
a connection of its own where no rows are needed, and with SET SESSION AUTHORIZATION inside the
test's transaction where the rows the test created must be visible. The role here gets DML
(including TRUNCATE) on every table: the worst grant an operator might hand out, so what holds
below is the guard itself, not a missing privilege.
"""

import io
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from privacy.audit import audit_log
from privacy.models import ConsentEvent, ConsentSubjectLink
from privacy.services import consent_set

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are PostgreSQL"),
    pytest.mark.django_db,
]

RETENTION_GROUP = "privacy_retention"
KEEPER = "privacy_ledger_keeper"


def _admin_connection() -> psycopg.Connection:
    params = connection.settings_dict
    return psycopg.connect(
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        dbname=params["NAME"],
        user=params["USER"],
        password=params["PASSWORD"] or None,
        autocommit=True,
    )


@pytest.fixture(scope="module")
def app_role(django_db_setup, django_db_blocker) -> Iterator[str]:
    with django_db_blocker.unblock():
        database = connection.settings_dict["NAME"]
        # Roles are cluster-wide: one per test database, so parallel runs do not collide.
        role = f"bt_app_{database}"[:63]
        with _admin_connection() as admin:
            _drop_role(admin, role)
            admin.execute(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE')
            admin.execute(f'GRANT CONNECT ON DATABASE "{database}" TO "{role}"')
            admin.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
            admin.execute(
                "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public "
                f'TO "{role}"'
            )
            admin.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
            if admin.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", [RETENTION_GROUP]
            ).fetchone():
                admin.execute(f'GRANT "{RETENTION_GROUP}" TO "{role}"')
        yield role
        connection.close()  # a session that assumed the role must not outlive it
        with _admin_connection() as admin:
            _drop_role(admin, role)


def _drop_role(admin: psycopg.Connection, role: str) -> None:
    if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
        admin.execute(f'DROP OWNED BY "{role}"')
        admin.execute(f'DROP ROLE "{role}"')


@contextmanager
def _as_role(role: str) -> Iterator:
    """Act as `role` inside a savepoint of the test's transaction (its rows stay visible).

    SET LOCAL is undone when the savepoint rolls back on an error; on success it is reset here.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL SESSION AUTHORIZATION "{role}"')
        yield cursor
        cursor.execute("RESET SESSION AUTHORIZATION")


def _refused(role: str, *statements: tuple[str, list]) -> None:
    for sql, params in statements:
        with pytest.raises(DatabaseError), _as_role(role) as cursor:
            cursor.execute(sql, params)


def test_the_role_is_what_production_runs_as(app_role):
    with _as_role(app_role) as cursor:
        cursor.execute(
            "SELECT session_user, current_user, usesuper FROM pg_user WHERE usename = current_user"
        )
        assert cursor.fetchone() == (app_role, app_role, False)


def test_app_role_cannot_delete_consent_rows_by_setting_the_session_variable(app_role):
    event = consent_set(
        subject=UserFactory(), purpose="marketing_email", granted=False, source="web"
    )
    _refused(
        app_role,
        (
            "SELECT set_config('privacy.ledger_retention', 'on', true); "
            "DELETE FROM privacy_consentevent WHERE id = %s",
            [event.pk],
        ),
        (
            "SET LOCAL privacy.ledger_retention = 'on'; "
            "UPDATE privacy_consentevent SET granted = true WHERE id = %s",
            [event.pk],
        ),
    )
    # Not even the migration owner (here a superuser) opens the ledger with the old variable.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL privacy.ledger_retention = 'on'")
        cursor.execute("DELETE FROM privacy_consentevent WHERE id = %s", [event.pk])
    assert ConsentEvent.objects.get(pk=event.pk).granted is False


def test_app_role_cannot_delete_audit_rows_or_checkpoints(app_role):
    from django.core.management import call_command

    from privacy.models import AuditCheckpoint

    entry = audit_log(action="test.kept")
    call_command("privacy_audit_verify", stdout=io.StringIO())
    checkpoint = AuditCheckpoint.objects.get()
    _refused(
        app_role,
        ("DELETE FROM privacy_auditentry WHERE id = %s", [entry.pk]),
        ("UPDATE privacy_auditentry SET action = 'forged' WHERE id = %s", [entry.pk]),
        ("DELETE FROM privacy_auditcheckpoint WHERE id = %s", [checkpoint.pk]),
        ("UPDATE privacy_auditcheckpoint SET entry_hash = 'x' WHERE id = %s", [checkpoint.pk]),
        ("TRUNCATE privacy_auditcheckpoint", []),
        ("TRUNCATE privacy_auditentry", []),
        ("TRUNCATE privacy_consentevent", []),
    )


def test_app_role_cannot_switch_the_guard_off(app_role):
    database = connection.settings_dict
    with psycopg.connect(
        host=database["HOST"] or None,
        port=database["PORT"] or None,
        dbname=database["NAME"],
        user=app_role,
    ) as own_login:
        assert own_login.execute("SELECT session_user").fetchone() == (app_role,)
        for sql in (
            "ALTER TABLE privacy_consentevent DISABLE TRIGGER USER",
            "ALTER TABLE privacy_auditentry DISABLE TRIGGER ALL",
            "ALTER TABLE privacy_auditcheckpoint DISABLE TRIGGER USER",
            "DROP TRIGGER privacy_consentevent_append_only ON privacy_consentevent",
            "SET session_replication_role = replica",
            f"SET ROLE {KEEPER}",
            "CREATE OR REPLACE FUNCTION privacy_consentevent_append_only() RETURNS trigger "
            "AS $$ BEGIN RETURN OLD; END; $$ LANGUAGE plpgsql",
        ):
            with pytest.raises(psycopg.Error):
                own_login.execute(sql)
            own_login.rollback()


def test_the_retention_path_deletes_only_what_its_rule_covers(app_role):
    living = consent_set(
        subject=UserFactory(), purpose="personalisation", granted=True, source="web"
    )
    old_anonymous = consent_set(
        subject=uuid.uuid4(), purpose="analytics_cookies", granted=True, source="banner"
    )
    linked_id = uuid.uuid4()
    linked = consent_set(
        subject=linked_id, purpose="analytics_cookies", granted=True, source="banner"
    )
    ConsentSubjectLink.objects.create(consent_id=linked_id, user_public_id=uuid.uuid4())
    cutoff = timezone.now() + timedelta(days=1)
    every_id = [living.pk, old_anonymous.pk, linked.pk]
    with _as_role(app_role) as cursor:
        cursor.execute(
            "SELECT privacy_consent_ledger_purge('consents_of_erased', %s::bigint[], %s)",
            [every_id, cutoff],
        )
        assert cursor.fetchone() == (0,)  # nobody here was erased
        cursor.execute(
            "SELECT privacy_consent_ledger_purge('anonymous_consents', %s::bigint[], %s)",
            [every_id, cutoff],
        )
        assert cursor.fetchone() == (1,)
    assert set(ConsentEvent.objects.values_list("pk", flat=True)) == {living.pk, linked.pk}
    _refused(
        app_role,
        ("SELECT privacy_consent_ledger_purge('everything', %s::bigint[], %s)", [every_id, cutoff]),
    )
