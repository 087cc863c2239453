"""New code cannot forget privacy: every field that may hold personal data is mapped."""

import re

from django.apps import apps
from django.conf import settings
from django.db import models
from phonenumber_field.modelfields import PhoneNumberField

from privacy.registry import registry
from privacy.registry_allowlist import NOT_PERSONAL

PERSONAL_NAME = re.compile(
    r"(name|e_?mail|phone|mobile|address|^ip|_ip|ip_|note|message|comment|token|secret|key|"
    r"uid|agent|reason|subject|body|repr|error|description|details|data|city|postal|payload|"
    r"lines|to_address|reference|footer|url|_id$)",
    re.IGNORECASE,
)


def _may_hold_personal_data(field: models.Field) -> bool:
    if field.primary_key or not field.concrete:
        return False
    if isinstance(field, models.ForeignKey) and field.related_model is apps.get_model(
        settings.AUTH_USER_MODEL
    ):
        return True
    if field.is_relation:
        return False
    if isinstance(
        field,
        models.EmailField
        | PhoneNumberField
        | models.GenericIPAddressField
        | models.TextField
        | models.JSONField
        | models.BinaryField,
    ):
        return True
    if isinstance(field, models.CharField | models.UUIDField):
        return bool(PERSONAL_NAME.search(field.name))
    return False


def _candidates() -> set[str]:
    found = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.Field) and _may_hold_personal_data(field):
                found.add(f"{model._meta.label}.{field.name}")
    return found


def test_every_personal_field_is_covered_by_a_category_or_allow_listed():
    covered = set(registry.covered_fields())
    missing = sorted(_candidates() - covered - set(NOT_PERSONAL))
    assert not missing, (
        "Fields that may hold personal data but no data category covers them (add them to a "
        f"category in its app's personal_data.py, or to privacy/registry_allowlist.py with a "
        f"reason): "
        f"{missing}"
    )


def test_every_mapped_field_exists():
    """A renamed or removed field must be updated in the map, not silently forgotten."""
    existing = {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
    }
    stale = sorted((set(registry.covered_fields()) | set(NOT_PERSONAL)) - existing)
    stale = [
        name
        for name in stale
        if apps.is_installed(name.split(".")[0])
        or name.split(".")[0] in {m._meta.app_label for m in apps.get_models()}
    ]
    assert not stale, f"Mapped fields that do not exist: {stale}"


def test_allow_list_entries_have_a_reason():
    assert all(len(reason) > 15 for reason in NOT_PERSONAL.values())


def test_every_category_declares_purpose_basis_and_retention():
    for category in registry.all():
        record = category.as_record()
        assert record["purpose"] and record["legal_basis"] and record["retention"], category.key
