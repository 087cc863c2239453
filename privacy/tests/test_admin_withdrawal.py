"""The DPO records a withdrawal a person sent by e-mail, letter or phone (policy §13: withdraw
"at any time", also by contacting us): it goes into the consent ledger like any other choice."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from accounts import roles
from accounts.tests.factories import StaffUserFactory, UserFactory
from privacy.models import AuditEntry, ConsentEvent
from privacy.selectors import has_consent
from privacy.services import consent_set

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

URL = "/admin/privacy/consentevent/withdraw/"


@pytest.fixture
def dpo(client):
    dpo = StaffUserFactory(role=roles.DPO)
    TOTP.activate(dpo, generate_totp_secret())
    client.force_login(dpo)
    return dpo


def test_dpo_records_a_withdrawal_received_by_e_mail(client, dpo):
    person = UserFactory()
    consent_set(subject=person, purpose="marketing_email", granted=True, source="web")
    consent_set(subject=person, purpose="marketing_sms", granted=True, source="web")

    page = client.get(URL)
    assert page.status_code == 200
    response = client.post(URL, {"subject": person.email, "purposes": ["marketing_email"]})

    assert response.status_code == 302
    assert not has_consent(subject=person, purpose="marketing_email")
    assert has_consent(subject=person, purpose="marketing_sms")  # only what was asked
    event = ConsentEvent.objects.filter(subject_id=person.public_id).latest("pk")
    assert (event.purpose, event.granted, event.source) == ("marketing_email", False, "admin")
    entry = AuditEntry.objects.latest("pk")
    assert entry.actor_public_id == dpo.public_id
    assert entry.subject_public_id == person.public_id
    assert person.email not in str(entry.details)


@pytest.mark.parametrize(
    "data",
    [
        {"subject": "nobody@example.com", "purposes": ["marketing_email"]},
        {"subject": "", "purposes": ["marketing_email"]},
        {"subject": "kari@example.com", "purposes": []},
        {"subject": "kari@example.com", "purposes": ["not_a_purpose"]},
    ],
)
def test_bad_input_is_a_form_error_and_writes_nothing(client, dpo, data):
    UserFactory(email="kari@example.com")
    before = ConsentEvent.objects.count()
    response = client.post(URL, data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert ConsentEvent.objects.count() == before


def test_staff_of_a_supplier_cannot_record_withdrawals(client):
    staff = StaffUserFactory(role=roles.SUPPLIER_STAFF)
    TOTP.activate(staff, generate_totp_secret())
    client.force_login(staff)
    assert client.get(URL).status_code in (302, 403)
