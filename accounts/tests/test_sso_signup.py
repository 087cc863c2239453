"""Single sign-on sign-up shows our own form: the 18+ confirmation and the consent choices.

The pending sign-up is what allauth stores in the session after the identity provider's callback
(`socialaccount_sociallogin`); the test starts there, so the form and its save are the real ones.
"""

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialAccount, SocialLogin, SocialToken
from django.test import RequestFactory

from accounts.models import User
from accounts.tests.oidc_fake import configure_openid_connect, openid_connect_app
from privacy.selectors import has_consent

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/3rdparty/signup/"


@pytest.fixture
def pending_wordpress_signup(client, settings):
    configure_openid_connect(
        settings, [openid_connect_app("wordpress", "WordPress", "http://127.0.0.1:9")]
    )
    account = SocialAccount(provider="wordpress", uid="wp-42", extra_data={})
    sociallogin = SocialLogin(
        user=User(email="kari.sso@example.com"),
        account=account,
        token=SocialToken(account=account, token="access-token"),
        email_addresses=[EmailAddress(email="kari.sso@example.com", verified=True, primary=True)],
        provider=get_adapter().get_provider(RequestFactory().get("/"), "wordpress"),
    )
    session = client.session
    session["socialaccount_sociallogin"] = sociallogin.serialize()
    session.save()
    return client


def test_sso_signup_form_asks_for_the_age_confirmation_and_consents(pending_wordpress_signup):
    page = pending_wordpress_signup.get(SIGNUP)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="age_confirmed"' in html
    assert 'name="sms_notifications"' in html and 'name="marketing_email"' in html


def test_sso_signup_without_the_age_confirmation_creates_no_account(pending_wordpress_signup):
    response = pending_wordpress_signup.post(
        SIGNUP, {"email": "kari.sso@example.com", "full_name": "Kari Nordmann"}
    )
    assert response.status_code == 200  # the form again, with the error
    assert not User.objects.filter(email="kari.sso@example.com").exists()


def test_sso_signup_records_the_confirmation_and_only_the_chosen_consents(
    pending_wordpress_signup,
):
    response = pending_wordpress_signup.post(
        SIGNUP,
        {
            "email": "kari.sso@example.com",
            "full_name": "Kari Nordmann",
            "age_confirmed": "on",
            "sms_notifications": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="kari.sso@example.com")
    assert user.full_name == "Kari Nordmann"
    assert user.age_confirmed_at is not None
    assert has_consent(subject=user, purpose="sms_notifications")
    assert not has_consent(subject=user, purpose="marketing_email")


def test_a_pending_sign_up_without_a_name_is_shown_without_error():
    # allauth rebuilds the pending user from the session with its UUID as a string.
    import uuid

    assert str(User(public_id=str(uuid.UUID(int=1)))) == "user 00000000"
