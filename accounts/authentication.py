"""DRF token authentication against hashed tokens (accounts.models.ApiToken)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from bookingtjeneste.secret_tokens import secret_token_hash

from .models import ApiToken


class HashedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <token>`, looked up by its SHA-256, never by the raw value."""

    model = ApiToken

    def authenticate_credentials(self, key: str):
        token = (
            ApiToken.objects.select_related("user").filter(key_hash=secret_token_hash(key)).first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
