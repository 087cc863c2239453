"""The breach register (policy §8, GDPR Art. 33): the 72-hour notification deadline is computed
from discovery, shown in the DPO's list, and recorded in the audit trail."""

from datetime import timedelta

import pytest
from django.utils import timezone

from privacy.models import AuditEntry, Breach

pytestmark = pytest.mark.django_db


def _breach(**fields) -> Breach:
    return Breach.objects.create(
        title="Lost laptop",
        description="A staff laptop was stolen; the disk was encrypted.",
        discovered_at=fields.pop("discovered_at"),
        data_categories="booking calendar",
        **fields,
    )


def test_the_deadline_is_72_hours_after_discovery_and_overdue_only_when_unhandled():
    discovered = timezone.now() - timedelta(hours=73)
    late = _breach(discovered_at=discovered)
    assert late.notification_deadline == discovered + timedelta(hours=72)
    assert late.is_overdue
    notified = _breach(discovered_at=discovered, authority_notified_at=timezone.now())
    assert not notified.is_overdue
    reasoned = _breach(discovered_at=discovered, not_notified_reason="Encrypted disk, no risk.")
    assert not reasoned.is_overdue
    assert not _breach(discovered_at=timezone.now() - timedelta(hours=71)).is_overdue


def test_the_dpo_sees_an_overdue_breach_marked_and_recording_one_is_audited(dpo_client):
    _breach(discovered_at=timezone.now() - timedelta(hours=80))
    listing = dpo_client.get("/admin/privacy/breach/")
    assert listing.status_code == 200
    assert "desk-overdue" in listing.content.decode()

    now = timezone.localtime()
    response = dpo_client.post(
        "/admin/privacy/breach/add/",
        {
            "title": "Wrong recipient",
            "description": "A receipt e-mail went to the wrong address.",
            "discovered_at_0": now.strftime("%Y-%m-%d"),
            "discovered_at_1": now.strftime("%H:%M:%S"),
            "data_categories": "name, booking",
            "subjects_affected": "1",
        },
    )
    assert response.status_code == 302, response.content
    assert AuditEntry.objects.filter(action="breach.recorded").exists()
