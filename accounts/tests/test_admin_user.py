"""The user admin: the DPO rectifies personal data; only Administrators change roles, flags and
passwords (otherwise the DPO could make itself superuser and reset any password)."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from accounts import roles
from accounts.tests.factories import TEST_PASSWORD, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

PRIVILEGED = {"is_superuser", "is_staff", "is_active", "groups", "user_permissions", "password"}


def _logged_in(client, role):
    user = StaffUserFactory(role=role)
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return user


@pytest.fixture
def dpo(client):
    return _logged_in(client, roles.DPO)


def change_url(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


def test_dpo_change_form_offers_only_rectification_fields(client, dpo):
    customer = UserFactory()
    response = client.get(change_url(customer))
    assert response.status_code == 200
    fields = set(response.context["adminform"].form.fields)
    assert {"full_name", "email", "phone", "preferred_language"} <= fields
    assert not fields & PRIVILEGED
    assert reverse("admin:auth_user_password_change", args=[customer.pk]) not in (
        response.content.decode()
    )


def _rectification_post(user, **extra):
    data = {
        "email": user.email,
        "full_name": "Rettet Navn",
        "phone": "",
        "preferred_language": "nb",
        **extra,
    }
    return data


def test_crafted_post_cannot_raise_privileges(client, dpo):
    customer = UserFactory()
    for target in (customer, dpo):
        response = client.post(
            change_url(target),
            _rectification_post(
                target,
                is_superuser="on",
                is_staff="on",
                groups=[g.pk for g in dpo.groups.model.objects.all()],
            ),
        )
        assert response.status_code in (302, 403)
        target.refresh_from_db()
        assert not target.is_superuser
        assert set(target.groups.values_list("name", flat=True)) <= {
            roles.CUSTOMER,
            roles.DPO,
        }
    customer.refresh_from_db()
    assert customer.full_name == "Rettet Navn"  # rectification itself still works
    assert not customer.is_staff


def test_dpo_cannot_open_the_password_view(client, dpo):
    customer = UserFactory()
    url = reverse("admin:auth_user_password_change", args=[customer.pk])
    assert client.get(url).status_code == 403
    response = client.post(
        url, {"password1": "new-password-9876", "password2": "new-password-9876"}
    )
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.check_password(TEST_PASSWORD)


def test_dpo_cannot_edit_staff_accounts(client, dpo):
    """An e-mail change on an Administrator plus a password reset would be a takeover."""
    administrator = StaffUserFactory(role=roles.ADMINISTRATOR)
    before = administrator.email
    response = client.post(
        change_url(administrator), _rectification_post(administrator, email="dpo-owned@example.com")
    )
    assert response.status_code == 403
    administrator.refresh_from_db()
    assert administrator.email == before


def test_dpo_has_no_bulk_actions(client, dpo):
    UserFactory()
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 200
    action_form = response.context.get("action_form")
    choices = (
        [value for value, _label in action_form.fields["action"].choices] if action_form else []
    )
    assert [value for value in choices if value] == []


def test_administrator_still_manages_roles_and_passwords(client):
    _logged_in(client, roles.ADMINISTRATOR)
    customer = UserFactory()
    response = client.get(change_url(customer))
    assert {"is_staff", "is_active", "groups"} <= set(response.context["adminform"].form.fields)
    url = reverse("admin:auth_user_password_change", args=[customer.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "password1": "new-password-9876",
            "password2": "new-password-9876",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.check_password("new-password-9876")


def test_a_number_the_dpo_corrects_is_unverified_until_confirmed_again(client, dpo):
    from django.utils import timezone

    customer = UserFactory(phone="+4791234567", phone_verified_at=timezone.now())
    renamed = UserFactory(phone="+4791234568", phone_verified_at=timezone.now())

    client.post(change_url(customer), _rectification_post(customer, phone="+4798765432"))
    client.post(change_url(renamed), _rectification_post(renamed, phone="+4791234568"))

    customer.refresh_from_db()
    renamed.refresh_from_db()
    assert str(customer.phone) == "+4798765432" and customer.phone_verified_at is None
    assert renamed.full_name == "Rettet Navn" and renamed.phone_verified_at is not None
