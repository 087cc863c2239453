import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from accounts import roles
from accounts.tests.factories import StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_admin_login_goes_through_allauth(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", [roles.SUPPLIER_STAFF, roles.DPO, roles.ADMINISTRATOR])
def test_staff_without_mfa_is_sent_to_totp_setup(client, role):
    user = StaffUserFactory(role=role)
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_staff_with_totp_reaches_the_admin(client):
    user = StaffUserFactory()
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    assert client.get(reverse("admin:index")).status_code == 200


def test_login_asks_for_the_totp_code_when_mfa_is_set_up(client):
    user = StaffUserFactory()
    TOTP.activate(user, generate_totp_secret())
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "a-strong-test-password-42"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session


def test_customers_can_set_up_mfa_too(client):
    user = UserFactory()
    client.post(
        reverse("account_login"), {"login": user.email, "password": "a-strong-test-password-42"}
    )
    # allauth asks for the password again before a second factor is added.
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": "a-strong-test-password-42"})
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    assert "totp" in response.content.decode() and 'name="code"' in response.content.decode()


# Staff pages outside /admin/: the calendar connection page, the privacy request
# desk, receipts, the API with a session. MFA is asked before any of them.
STAFF_PAGES_OUTSIDE_ADMIN = ["/calendar/", "/privacy/requests/", "/my/bookings/", "/contact/"]


@pytest.mark.parametrize("role", [roles.SUPPLIER_STAFF, roles.DPO])
@pytest.mark.parametrize("path", STAFF_PAGES_OUTSIDE_ADMIN)
def test_staff_without_mfa_is_sent_to_totp_setup_everywhere(client, role, path):
    client.force_login(StaffUserFactory(role=role))
    response = client.get(path)
    assert response.status_code == 302, path
    assert response["Location"] == reverse("mfa_activate_totp")


def test_staff_without_mfa_gets_a_json_refusal_from_the_api(client):
    client.force_login(StaffUserFactory())
    response = client.get("/api/v1/bookings/")
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"


def test_staff_without_mfa_can_still_set_it_up_and_log_out(client):
    client.force_login(StaffUserFactory())
    assert client.get(reverse("account_reauthenticate")).status_code == 200
    assert client.get(reverse("account_logout")).status_code == 200
    assert client.get("/healthz").status_code == 200


def test_customers_are_not_asked_for_mfa(client):
    client.force_login(UserFactory())
    assert client.get("/my/bookings/").status_code == 200


def test_staff_with_totp_reach_pages_outside_the_admin(client):
    user = StaffUserFactory()
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    assert client.get("/my/bookings/").status_code == 200
    assert client.get("/api/v1/bookings/").status_code == 200
