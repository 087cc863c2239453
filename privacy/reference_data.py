"""Reference data the ledger cannot work without: a published policy and a text per purpose.

Migrations 0002/0005 create them; this idempotent function recreates what is missing (a purpose
added in code gets its first text from its definition; a wiped test database gets the shipped
policy back). It never changes an existing row: stored texts are evidence.
"""

import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone, translation

from .models import PolicyVersion, PurposeText
from .purposes import DEFINITIONS

POLICY_TEXTS = Path(__file__).resolve().parent / "policy_texts"
FIRST_VERSION = "2025-02-21"


def _read(language: str) -> str:
    path = POLICY_TEXTS / f"{FIRST_VERSION}.{language}.txt"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def reference_data_ensure() -> None:
    """Create the first policy version and missing purpose texts (v1). Idempotent."""
    with transaction.atomic():
        policy, _ = PolicyVersion.objects.get_or_create(
            version=FIRST_VERSION,
            defaults={
                "effective_date": datetime.date(2025, 2, 21),
                "body_en": _read("en"),
                "body_nb": _read("nb"),
                "is_material_change": True,
                "published_at": timezone.now(),
            },
        )
        existing = set(PurposeText.objects.values_list("purpose", flat=True))
        for purpose, definition in DEFINITIONS.items():
            if purpose in existing:
                continue
            with translation.override("nb"):
                text_nb = str(definition.description)
            with translation.override("en"):
                text_en = str(definition.description)
            PurposeText.objects.create(
                purpose=purpose,
                version=1,
                text_nb=text_nb,
                text_en=text_en,
                legal_basis=definition.legal_basis,
                policy_version=policy,
            )
