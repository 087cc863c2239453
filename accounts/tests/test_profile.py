import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_profile_requires_login(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302


def test_user_rectifies_own_data(client):
    user = UserFactory(phone="+4791234567", phone_verified_at=timezone.now())
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        {"full_name": "  Kari Retta  ", "phone": "+47 912 34 999", "preferred_language": "en"},
    )
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
    user.refresh_from_db()
    assert user.full_name == "Kari Retta"
    assert str(user.phone) == "+4791234999"
    assert user.phone_verified_at is None  # a new number must be verified again
    assert user.preferred_language == "en"


def test_invalid_phone_gets_a_field_error(client):
    client.force_login(UserFactory())
    response = client.post(
        reverse("accounts:profile"),
        {"full_name": "Kari", "phone": "12", "preferred_language": "nb"},
    )
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
