"""§14 Changes to the Privacy Policy."""

import pytest
from django.utils import timezone

from notifications.models import Message
from privacy.models import PolicyVersion
from privacy.services import consent_set, policy_version_publish

pytestmark = pytest.mark.django_db


def _version(material: bool, slug: str = "2026-09-01") -> PolicyVersion:
    return PolicyVersion.objects.create(
        version=slug,
        effective_date=timezone.localdate(),
        body_nb="Oppdatert",
        body_en="Updated",
        is_material_change=material,
    )


def test_we_may_update_the_policy_and_the_page_shows_the_date(client):
    """“We may periodically update or change the privacy policy.” — a new version is
    published and /privacy/ shows its last-updated date; the old one stays readable."""
    policy_version_publish(version=_version(material=False))
    html = client.get("/privacy/").content.decode()
    assert "Oppdatert" in html and timezone.localdate().strftime("%d.%m.%Y") in html
    assert client.get("/privacy/versions/2025-02-21/").status_code == 200


def test_major_changes_are_announced_to_users(user, django_capture_on_commit_callbacks):
    """“In the event of major changes, we will inform you about this.” — by e-mail."""
    with django_capture_on_commit_callbacks(execute=True):
        policy_version_publish(version=_version(material=True))
    assert Message.objects.filter(template_key="policy_changed", recipient=user).count() == 1


def test_minor_changes_send_no_e_mail(user, django_capture_on_commit_callbacks):
    """Only major (material) changes are announced."""
    with django_capture_on_commit_callbacks(execute=True):
        policy_version_publish(version=_version(material=False))
    assert not Message.objects.filter(template_key="policy_changed").exists()


def test_major_changes_ask_for_cookie_consent_again(client):
    """After a material change the cookie question is asked again."""
    client.post("/cookies/consent/", {"choice": "reject_all"})
    assert 'data-testid="cookie-banner" hidden' in client.get("/").content.decode()
    policy_version_publish(version=_version(material=True))
    assert 'data-testid="cookie-banner" hidden' not in client.get("/").content.decode()


def test_published_versions_cannot_be_rewritten_in_admin():
    """What people were told stays what it was: a published text is read-only in the admin."""
    from django.contrib.admin.sites import site

    version = PolicyVersion.objects.get(version="2025-02-21")
    readonly = site._registry[PolicyVersion].get_readonly_fields(None, version)
    assert "body_nb" in readonly and "body_en" in readonly


def test_users_asked_again_only_where_a_purpose_text_changed(user):
    """Material change re-asks consent where the purpose's wording changed (see §13/Art. 7)."""
    from privacy.models import PurposeText
    from privacy.selectors import has_consent

    consent_set(subject=user, purpose="personalisation", granted=True, source="web")
    consent_set(subject=user, purpose="marketing_email", granted=True, source="web")
    version = _version(material=True)
    PurposeText.objects.create(
        purpose="personalisation", version=2, text_nb="Ny", text_en="New", policy_version=version
    )
    policy_version_publish(version=version)
    assert not has_consent(subject=user, purpose="personalisation")
    assert has_consent(subject=user, purpose="marketing_email")


def test_a_new_install_sends_no_notice_for_the_first_version(user):
    """The first version is not a change: nobody is told it was "updated", neither by the
    periodic safety net nor when a fresh database publishes it."""
    from privacy.reference_data import FIRST_VERSION
    from privacy.tasks import policy_change_notify_pending

    first = PolicyVersion.objects.get(version=FIRST_VERSION)
    assert first.is_material_change and first.published_at is not None
    policy_change_notify_pending()
    PolicyVersion.objects.filter(pk=first.pk).update(published_at=None)
    policy_version_publish(version=first)
    assert not Message.objects.filter(template_key="policy_changed").exists()


def test_an_announced_future_version_is_readable_from_the_announcement(
    client, user, django_capture_on_commit_callbacks
):
    """“In the event of major changes, we will inform you about this.” — before they apply:
    the e-mail links to the new text, which can be read at once at a stable address, and
    /privacy/ shows the current text with a link to the coming one."""
    import re
    from datetime import timedelta

    coming = PolicyVersion.objects.create(
        version="2027-01-01",
        effective_date=timezone.localdate() + timedelta(days=30),
        body_nb="Kommende tekst",
        body_en="Coming text",
        is_material_change=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        policy_version_publish(version=coming)
    [notice] = Message.objects.filter(template_key="policy_changed", recipient=user)
    [url] = re.findall(r"https?://\S+/privacy/\S*", notice.body_text.split("\n\n")[2])
    page = client.get(url.removeprefix("http://testserver"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Kommende tekst" in html and 'data-testid="upcoming-notice"' in html

    current = client.get("/privacy/").content.decode()
    assert "Kommende tekst" not in current  # the text in force is still the old one
    assert 'href="/privacy/versions/2027-01-01/"' in current
