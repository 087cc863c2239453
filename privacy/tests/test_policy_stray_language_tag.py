"""The English policy ends with the policy, not with a language switcher's leftover text."""

from pathlib import Path

import pytest

from privacy.models import PolicyVersion

pytestmark = pytest.mark.django_db

STRAY = "en_US"
TEXTS = Path(__file__).resolve().parent.parent / "policy_texts"


def test_english_policy_page_has_no_stray_language_tag(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/privacy/"})
    for url in ("/privacy/", "/privacy/versions/2025-02-21/"):
        html = client.get(url).content.decode()
        assert "Withdrawal of your consent" in html
        assert STRAY not in html and "English</p>" not in html
        # The policy's own last line is still there.
        assert "+47 22 39 69 00" in html


def test_stored_and_shipped_policy_texts_have_no_stray_language_tag():
    version = PolicyVersion.objects.get(version="2025-02-21")
    assert STRAY not in version.body_en and STRAY not in version.body_nb
    assert version.body_en.rstrip().endswith("+47 22 39 69 00")
    for text in TEXTS.glob("*.txt"):
        assert STRAY not in text.read_text(encoding="utf-8"), text.name


def test_migration_removes_the_tag_from_an_existing_install_only_where_it_is_exact():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("privacy.migrations.0016_policy_en_without_stray_language_tag")
    version = PolicyVersion.objects.get(version="2025-02-21")
    shipped = version.body_en
    version.body_en = shipped.rstrip("\n") + "\n\nen_USEnglish"  # as older installs stored it
    version.save(update_fields=["body_en"])
    edited = PolicyVersion.objects.create(
        version="2026-01-01", effective_date=version.effective_date, body_en="Ours\n\nen_USEnglish"
    )
    migration.remove_stray_tag(apps, None)
    version.refresh_from_db()
    edited.refresh_from_db()
    assert version.body_en == shipped
    assert edited.body_en == "Ours\n\nen_USEnglish"  # another version is not ours to edit
