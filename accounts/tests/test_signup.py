import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from bookingtjeneste import settings as project_settings
from privacy.models import ConsentEvent
from privacy.selectors import has_consent, policy_version_current
from privacy.services import marketing_basis_for

pytestmark = pytest.mark.django_db

SIGNUP = {
    "full_name": "Ola Nordmann",
    "email": "ola@example.com",
    "password1": "kaffe-og-fjell-2026",
    "password2": "kaffe-og-fjell-2026",
    "age_confirmed": "on",
}


def test_signup_verify_email_then_login(client):
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302

    user = User.objects.get(email="ola@example.com")
    assert user.full_name == "Ola Nordmann"
    assert user.age_confirmed_at is not None
    assert user.age_confirmed_policy_version == policy_version_current()
    assert user.age_confirmed_policy_version is not None

    # Mandatory verification: no login before the link in the e-mail is followed.
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "ola@example.com", "password": SIGNUP["password1"]}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    assert len(mail.outbox) >= 1
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    response = client.post(link.group(1))
    assert response.status_code == 302

    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "OLA@example.com", "password": SIGNUP["password1"]}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signup_requires_age_confirmation(client):
    data = {**SIGNUP}
    del data["age_confirmed"]
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    assert "age_confirmed" in response.context["form"].errors
    assert not User.objects.filter(email="ola@example.com").exists()


def test_signup_shows_field_errors(client):
    response = client.post(
        reverse("account_signup"), {"email": "not-an-email", "age_confirmed": "on"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"email", "full_name", "password1"} <= set(errors)
    assert 'class="errorlist"' in response.content.decode()


def test_email_is_unique_case_insensitively(client):
    client.post(reverse("account_signup"), SIGNUP)
    client.logout()
    client.post(reverse("account_signup"), {**SIGNUP, "email": "OLA@EXAMPLE.COM"})
    assert User.objects.filter(email__iexact="ola@example.com").count() == 1


def test_passwords_are_hashed_with_argon2(client, settings):
    # The suite hashes with MD5 for speed (conftest.py); this test runs the project's own list.
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    client.post(reverse("account_signup"), SIGNUP)
    user = User.objects.get(email="ola@example.com")
    assert user.password.startswith("argon2")
    assert user.check_password(SIGNUP["password1"])


def test_signup_records_optional_choices_in_the_consent_ledger(client):
    client.post(reverse("account_signup"), {**SIGNUP, "sms_notifications": "on"})
    user = User.objects.get(email="ola@example.com")
    assert has_consent(subject=user, purpose="sms_notifications")
    assert not has_consent(subject=user, purpose="marketing_email")
    # The unticked marketing box is the Marketing Act §15 refusal at collection: recorded,
    # so the existing-customer exception cannot apply later.
    refusal = ConsentEvent.objects.get(subject_id=user.public_id, purpose="marketing_email")
    assert (refusal.granted, refusal.source) == (False, "signup")
    assert marketing_basis_for(user=user, channel="email") == "none"


def test_signup_marketing_opt_in_is_consent(client):
    client.post(reverse("account_signup"), {**SIGNUP, "marketing_email": "on"})
    user = User.objects.get(email="ola@example.com")
    assert marketing_basis_for(user=user, channel="email") == "consent"
    assert not has_consent(subject=user, purpose="sms_notifications")
