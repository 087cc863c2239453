"""The four roles, as Django groups with explicit permissions, and how much of the
suppliers' data each may see (`supplier_scoped`: the one rule every app's admin applies).

The groups themselves are created by migration 0002. Permissions are granted here after every
migrate, because a later app's permissions only exist once that app has been migrated: each
app's permissions are granted when its own post_migrate signal fires.
"""

from typing import Any

from django.apps import AppConfig
from django.db.models import QuerySet

CUSTOMER = "Customer"
SUPPLIER_STAFF = "Supplier staff"
DPO = "DPO"
ADMINISTRATOR = "Administrator"
ALL_ROLES = (CUSTOMER, SUPPLIER_STAFF, DPO, ADMINISTRATOR)

# Model permissions per role: {role: {app_label: {model: actions}}}. Customers act through the
# website and API only, on their own data, so they hold no model permissions.
ROLE_PERMISSIONS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    CUSTOMER: {},
    SUPPLIER_STAFF: {
        "bookings": {
            "supplier": ("view", "change"),
            "resource": ("view", "add", "change", "delete"),
            "service": ("view", "add", "change", "delete"),
            "openinghours": ("view", "add", "change", "delete"),
            "supplieropeninghours": ("view", "add", "change", "delete"),
            "dateexception": ("view", "add", "change", "delete"),
            "busyblock": ("view", "add", "change", "delete"),
            "booking": ("view", "add", "change"),
            "calendarfeedtoken": ("view", "add", "change"),
        },
        "payments": {
            "order": ("view",),
            "payment": ("view",),
            "refund": ("view", "add"),
            "receipt": ("view",),
            "supplierpaymentsettings": ("view", "change"),
        },
        # Connecting a calendar is an OAuth flow on the website; the admin only shows its state.
        "calendars": {"calendarconnection": ("view",), "eventmirror": ("view",)},
        # Where and about what the salon is told (notices, daily agenda).
        "notifications": {"suppliernoticesettings": ("view", "add", "change")},
    },
    DPO: {
        "accounts": {"user": ("view", "change")},
        "privacy": {"*": ("view", "add", "change", "delete")},
        "notifications": {"message": ("view",)},
        "bookings": {"booking": ("view",)},
        "payments": {"order": ("view",), "payment": ("view",), "receipt": ("view",)},
    },
    ADMINISTRATOR: {"*": {"*": ("view", "add", "change", "delete")}},
}


def permission_codenames_for(role: str, app_label: str, models: list[str]) -> set[str]:
    """The permission codenames `role` gets on the given models of one app."""
    spec = ROLE_PERMISSIONS[role]
    app_spec = spec.get(app_label) or spec.get("*") or {}
    codenames: set[str] = set()
    for model in models:
        for action in app_spec.get(model) or app_spec.get("*") or ():
            codenames.add(f"{action}_{model}")
    return codenames


def grant_role_permissions(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver: give each role the permissions it should hold on `sender`'s models."""
    from django.contrib.auth.models import Group, Permission

    models = [model._meta.model_name for model in sender.get_models()]
    if not models:
        return
    for role in ALL_ROLES:
        group = Group.objects.using(using).filter(name=role).first()
        if group is None:
            continue  # before migration 0002 has run
        codenames = permission_codenames_for(role, sender.label, models)
        if not codenames:
            continue
        permissions = Permission.objects.using(using).filter(
            content_type__app_label=sender.label, codename__in=codenames
        )
        group.permissions.add(*permissions)


def roles_ensure(using: str = "default") -> None:
    """Create the role groups and grant their permissions for every installed app. Idempotent.

    Migrations do this on a fresh database; this restores it after a flush (tests that truncate
    every table, or an operator emptying a database with `manage.py flush`).
    """
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group

    for role in ALL_ROLES:
        Group.objects.using(using).get_or_create(name=role)
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
        grant_role_permissions(app_config, using=using)


def sees_every_supplier(user) -> bool:
    """Superusers and Administrators see every supplier's data; nobody else does."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_sees_every_supplier", None)
    if cached is None:
        cached = user.groups.filter(name=ADMINISTRATOR).exists()
        user._sees_every_supplier = cached
    return cached


def manages_accounts(user) -> bool:
    """Who may change roles, staff flags and passwords of other people: superusers and
    Administrators. The DPO rectifies personal data but never grants access."""
    return sees_every_supplier(user)


def staff_supplier_id(user) -> int | None:
    """The supplier an active staff user works for, or None (no membership)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    membership = getattr(user, "supplier_membership", None)
    return membership.supplier_id if membership is not None else None


def supplier_scoped(queryset: QuerySet, user, supplier_path: str = "supplier") -> QuerySet:
    """`queryset` as `user` may see it: everything (superuser, Administrator), their own
    supplier's rows (supplier staff), nothing otherwise. `supplier_path` leads from the model
    to its supplier ("" when the model is Supplier itself), e.g. "order__supplier"."""
    if sees_every_supplier(user):
        return queryset
    supplier_id = staff_supplier_id(user)
    if supplier_id is None:
        return queryset.none()
    lookup = f"{supplier_path}_id" if supplier_path else "pk"
    return queryset.filter(**{lookup: supplier_id})
