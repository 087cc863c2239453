import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import roles
from accounts.models import User

TEST_PASSWORD = "a-strong-test-password-42"


def _finish(user: User, role: str) -> None:
    group = Group.objects.filter(name=role).first()
    if group is None:  # a transactional test before this one truncated every table
        roles.roles_ensure()
        group = Group.objects.get(name=role)
    user.groups.add(group)
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    user.save()


class UserFactory(factory.django.DjangoModelFactory):
    """A verified customer. Pass role=... for another role."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name", locale="no_NO")
    # Sign-up always records the 18+ confirmation (accounts/forms.py); marketing needs it.
    age_confirmed_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create:
            _finish(self, extracted or roles.CUSTOMER)


class StaffUserFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create:
            _finish(self, extracted or roles.SUPPLIER_STAFF)
