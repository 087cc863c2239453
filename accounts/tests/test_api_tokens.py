"""API tokens for scripts and apps: issued and revoked at /api/v1/auth/token/, shown once,
stored only as a hash, revoked when the password changes or is reset (a stolen token must not
outlive the password it was issued under)."""

import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import roles
from accounts.models import ApiToken, User
from accounts.tests.factories import TEST_PASSWORD, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token/"
BOOKINGS = "/api/v1/bookings/"


def _with_token(token: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def _refused(token: str) -> bool:
    # 403 rather than 401: SessionAuthentication comes first and sends no WWW-Authenticate.
    response = _with_token(token).get(BOOKINGS)
    return response.status_code in (401, 403) and response.json()["code"] in (
        "authentication_failed",
        "not_authenticated",
    )


def _issue_by_session(client, user) -> str:
    client.force_login(user)
    response = client.post(URL)
    assert response.status_code == 201, response.content
    return response.json()["token"]


def test_session_user_gets_a_token_that_works_and_is_stored_only_hashed(client):
    user = UserFactory()
    token = _issue_by_session(client, user)
    assert len(token) >= 32
    assert _with_token(token).get(BOOKINGS).status_code == 200
    assert _refused(token + "x")
    # The raw token is in no column of the table: a database dump gives no working token.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")
        rows = cursor.fetchall()
    assert len(rows) == 1 and not any(token in str(value) for value in rows[0])


def test_a_script_gets_a_token_with_e_mail_and_password(client):
    user = UserFactory()
    api = APIClient()
    wrong = api.post(URL, {"email": user.email, "password": "not-the-password"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_credentials"
    unknown = api.post(URL, {"email": "nobody@example.com", "password": "x" * 12}, format="json")
    assert unknown.status_code == 400 and unknown.json() == wrong.json()
    assert not ApiToken.objects.exists()
    response = api.post(URL, {"email": user.email, "password": TEST_PASSWORD}, format="json")
    assert response.status_code == 201
    assert _with_token(response.json()["token"]).get(BOOKINGS).status_code == 200


def test_password_alone_never_skips_a_second_factor():
    user = StaffUserFactory(role=roles.DPO)
    TOTP.activate(user, generate_totp_secret())
    response = APIClient().post(
        URL, {"email": user.email, "password": TEST_PASSWORD}, format="json"
    )
    assert response.status_code == 403 and response.json()["code"] == "mfa_required"
    assert not ApiToken.objects.exists()


def test_a_new_token_replaces_the_old_and_delete_revokes(client):
    user = UserFactory()
    first = _issue_by_session(client, user)
    second = _issue_by_session(client, user)
    assert _refused(first)
    api = _with_token(second)
    assert api.delete(URL).status_code == 204
    assert _refused(second)
    assert not ApiToken.objects.filter(user=user).exists()


def test_password_change_revokes_tokens(client):
    user = UserFactory()
    token = _issue_by_session(client, user)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": TEST_PASSWORD,
            "password1": "nytt-passord-4242",
            "password2": "nytt-passord-4242",
        },
    )
    assert response.status_code == 302
    assert _refused(token)


def test_password_reset_revokes_tokens(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = UserFactory()
    token = _issue_by_session(client, user)
    client.logout()
    client.post(reverse("account_reset_password"), {"email": user.email})
    link = re.search(
        r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", mail.outbox[-1].body
    )
    assert link, mail.outbox[-1].body
    form_url = client.get(link.group(1))["Location"]
    response = client.post(
        form_url, {"password1": "nytt-passord-4242", "password2": "nytt-passord-4242"}
    )
    assert response.status_code == 302
    assert _refused(token)


def test_administrator_setting_a_password_revokes_tokens(client):
    user = UserFactory()
    token = _issue_by_session(client, user)
    administrator = StaffUserFactory(role=roles.ADMINISTRATOR)
    TOTP.activate(administrator, generate_totp_secret())
    client.force_login(administrator)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {
            "password1": "nytt-passord-4242",
            "password2": "nytt-passord-4242",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    assert _refused(token)


def test_erasing_the_account_removes_its_tokens(client):
    user = UserFactory()
    _issue_by_session(client, user)
    User.objects.filter(pk=user.pk).delete()  # what the account category's erasure does
    assert not ApiToken.objects.exists()


def test_changepassword_command_revokes_tokens(client, monkeypatch):
    # The operator's `manage.py changepassword` is a password change like any other.
    user = UserFactory()
    token = _issue_by_session(client, user)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "nytt-passord-4242")
    from django.core.management import call_command

    call_command("changepassword", user.email)
    assert _refused(token)


def test_any_saved_password_change_revokes_tokens(client):
    user = UserFactory()
    token = _issue_by_session(client, user)
    user.set_password("nytt-passord-4242")
    user.save()
    assert _refused(token)
