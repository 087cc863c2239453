"""docs/SCALING.md's Citus readiness lists stay true to the schema.

Sharding by supplier (a distributed PostgreSQL such as Citus) needs `supplier_id` on every table
whose rows belong to one supplier, and every unique or exclusion constraint on such a table must
include it. The document lists what is not there yet; this test recomputes both lists from the
models, so a new model or constraint cannot silently widen the gap (or close it without the
document saying so).
"""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from bookings.models import Supplier

DOC = Path(__file__).resolve().parent.parent / "docs" / "SCALING.md"
PROJECT_APPS = {"accounts", "bookings", "payments", "notifications", "privacy", "calendars"}


def _tenant_path(model, seen=()) -> list[str] | None:
    """FK names leading from `model` to Supplier (required FKs only), or None."""
    if model is Supplier:
        return []
    for field in model._meta.get_fields():
        if not (field.concrete and field.is_relation and (field.many_to_one or field.one_to_one)):
            continue
        if field.null or field.related_model in seen or field.related_model is model:
            continue
        rest = _tenant_path(field.related_model, (*seen, model))
        if rest is not None:
            return [field.name, *rest]
    return None


def _tenant_tables() -> dict[str, list[str]]:
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in PROJECT_APPS or model is Supplier:
            continue
        path = _tenant_path(model)
        if path is not None:
            tables[model._meta.db_table] = path
    return tables


def _has_supplier_column(model) -> bool:
    return any(getattr(f, "column", None) == "supplier_id" for f in model._meta.concrete_fields)


def _constraints_without_supplier_id(tables: set[str]) -> set[str]:
    """Unique indexes (partial and expression ones included) and exclusion constraints on
    `tables` whose columns leave out supplier_id; primary keys are the general rule, in prose."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.relname, i.relname,
                   array_remove(array_agg(a.attname::text), NULL),
                   ix.indexprs IS NOT NULL
              FROM pg_index ix
              JOIN pg_class t ON t.oid = ix.indrelid
              JOIN pg_class i ON i.oid = ix.indexrelid
              LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(ix.indkey)
             WHERE (ix.indisunique OR ix.indisexclusion) AND NOT ix.indisprimary
               AND t.relname = ANY(%s)
             GROUP BY t.relname, i.relname, ix.indexprs
            """,
            [sorted(tables)],
        )
        return {
            index
            for _table, index, columns, _expr in cursor.fetchall()
            if "supplier_id" not in columns
        }


def _documented(section: str) -> set[str]:
    """Back-quoted names in the bullet list under the `<!-- section -->` marker of SCALING.md."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {section} -->(.*?)<!-- /{section} -->", text, re.S)
    assert match, f"docs/SCALING.md has no <!-- {section} --> list"
    return set(re.findall(r"^- `([^`]+)`", match.group(1), re.M))


def test_tenant_tables_without_supplier_id_are_the_documented_ones():
    by_table = {m._meta.db_table: m for m in apps.get_models(include_auto_created=True)}
    missing = {table for table in _tenant_tables() if not _has_supplier_column(by_table[table])}
    assert missing == _documented("tenant-tables-without-supplier-id")


@pytest.mark.django_db
def test_constraints_without_supplier_id_are_the_documented_ones():
    if connection.vendor != "postgresql":
        pytest.skip("reads PostgreSQL's catalogue (CI runs on PostgreSQL)")
    lacking = _constraints_without_supplier_id(set(_tenant_tables()))
    assert lacking == _documented("constraints-without-supplier-id")


def test_the_tenant_walk_finds_the_obvious_tables():
    tables = _tenant_tables()
    assert tables["bookings_booking"] == ["supplier"]
    assert tables["bookings_openinghours"][0] == "resource"
    assert "accounts_user" not in tables
    assert "privacy_consentevent" not in tables
