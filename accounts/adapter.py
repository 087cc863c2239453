from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from bookingtjeneste.client_ip import client_ip

from .models import User


def set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        httponly=False,
    )


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth's rate limits key on this: the same address as every other limit of ours.
        return client_ip(request) or super().get_client_ip(request)

    def post_login(self, request: HttpRequest, user: User, **kwargs) -> HttpResponse:
        response = super().post_login(request, user, **kwargs)
        # After login the site speaks the language chosen in the profile.
        set_language_cookie(response, user.preferred_language)
        return response


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin) -> bool:
        # Single sign-on users see our signup form too, so they give the 18+ confirmation.
        return False
