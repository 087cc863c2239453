"""Demo users for `make run` (see seed_demo). Every demo user has the same password."""

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from . import roles
from .models import User

DEMO_PASSWORD = "demo-password-123"


def demo_user_ensure(
    *, email: str, full_name: str, role: str, is_staff: bool = False, is_superuser: bool = False
) -> User:
    """Create (or reset) one verified demo user in one role. Idempotent."""
    from .services import user_record_age_confirmation

    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email)
    user.full_name = full_name
    user.is_staff = is_staff
    user.is_superuser = is_superuser
    user.is_active = True
    user.set_password(DEMO_PASSWORD)
    user.save()
    if user.age_confirmed_at is None:
        user_record_age_confirmation(user=user)
    user.groups.set([Group.objects.get(name=role)])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def seed_users() -> None:
    demo_user_ensure(email="customer@example.com", full_name="Kari Nordmann", role=roles.CUSTOMER)
    demo_user_ensure(
        email="dpo@example.com", full_name="Robert André Johansen", role=roles.DPO, is_staff=True
    )
    demo_user_ensure(
        email="admin@example.com",
        full_name="Ada Administrator",
        role=roles.ADMINISTRATOR,
        is_staff=True,
        is_superuser=True,
    )
