"""Policy §5 i): logins are protected against guessing; allauth's limits are configured in
settings (ACCOUNT_RATE_LIMITS) and must actually apply."""

import pytest

from accounts.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def test_five_wrong_passwords_lock_the_account_out_for_a_while(client):
    user = UserFactory()
    for _attempt in range(5):
        response = client.post(LOGIN, {"login": user.email, "password": "feil-passord-123"})
        assert response.status_code == 200  # the form again, with an error
    # Even the right password is refused now: a guesser cannot tell when it hit.
    response = client.post(LOGIN, {"login": user.email, "password": TEST_PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)


def test_the_right_password_works_before_the_limit(client):
    user = UserFactory()
    for _attempt in range(3):
        client.post(LOGIN, {"login": user.email, "password": "feil-passord-123"})
    response = client.post(LOGIN, {"login": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
