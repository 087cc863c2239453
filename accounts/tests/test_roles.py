import pytest
from django.contrib.auth.models import Group

from accounts import roles
from accounts.tests.factories import StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_four_roles_exist():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL_ROLES)


def test_customer_holds_no_model_permissions():
    assert UserFactory().get_all_permissions() == set()


def test_supplier_staff_manage_calendars_but_not_people_or_privacy():
    perms = StaffUserFactory(role=roles.SUPPLIER_STAFF).get_all_permissions()
    assert {
        "bookings.change_service",
        "bookings.add_openinghours",
        "bookings.view_booking",
    } <= perms
    assert "accounts.view_user" not in perms
    assert "bookings.delete_booking" not in perms
    assert not any(p.startswith("privacy.") for p in perms)


def test_dpo_works_in_privacy_and_reads_accounts():
    perms = StaffUserFactory(role=roles.DPO).get_all_permissions()
    assert "accounts.view_user" in perms
    assert "privacy.change_policyversion" in perms
    assert "bookings.change_service" not in perms


def test_administrator_has_every_model_permission():
    perms = StaffUserFactory(role=roles.ADMINISTRATOR).get_all_permissions()
    assert {
        "accounts.delete_user",
        "bookings.delete_supplier",
        "privacy.add_policyversion",
    } <= perms


def test_roles_ensure_restores_groups_and_permissions_after_a_flush():
    before = {
        group.name: set(group.permissions.values_list("codename", flat=True))
        for group in Group.objects.filter(name__in=roles.ALL_ROLES)
    }
    Group.objects.all().delete()
    roles.roles_ensure()
    roles.roles_ensure()  # idempotent
    after = {
        group.name: set(group.permissions.values_list("codename", flat=True))
        for group in Group.objects.filter(name__in=roles.ALL_ROLES)
    }
    assert after == before
    assert "view_calendarconnection" in after[roles.SUPPLIER_STAFF]
