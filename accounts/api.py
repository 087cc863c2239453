"""POST/DELETE /api/v1/auth/token/: issue and revoke the caller's API token."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from .services import api_token_issue, api_tokens_revoke


class TokenPasswordThrottle(AnonRateThrottle):
    """Password guesses through the token endpoint: as few as at the login page."""

    scope = "api_token"
    rate = "10/min"


class InvalidCredentials(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("E-mail address or password is wrong.")
    default_code = "invalid_credentials"


class MFARequired(exceptions.APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = _(
        "This account uses two-factor authentication: log in on the website and create the "
        "token there (POST with the session)."
    )
    default_code = "mfa_required"


class TokenCredentialsSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


TOKEN_RESPONSE = inline_serializer(
    "ApiToken", {"token": serializers.CharField(), "prefix": serializers.CharField()}
)


class ApiTokenView(APIView):
    """Logged in (session or token): issue or revoke your token. A script without a session
    posts `{email, password}` instead; accounts with two-factor authentication cannot, so a
    password alone never opens them."""

    permission_classes = [AllowAny]

    def get_throttles(self):
        if self.request.method == "POST" and not self.request.user.is_authenticated:
            return [TokenPasswordThrottle()]
        return super().get_throttles()

    @extend_schema(request=TokenCredentialsSerializer, responses={201: TOKEN_RESPONSE})
    def post(self, request: Request) -> Response:
        user = request.user if request.user.is_authenticated else self._by_password(request)
        raw = api_token_issue(user=user)
        return Response({"token": raw, "prefix": raw[:8]}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        api_tokens_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _by_password(self, request: Request):
        serializer = TokenCredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The backends hash the password for unknown addresses too: same work either way.
        user = authenticate(
            request._request,
            email=serializer.validated_data["email"],
            password=serializer.validated_data["password"],
        )
        if user is None or not EmailAddress.objects.filter(user=user, verified=True).exists():
            raise InvalidCredentials()
        if Authenticator.objects.filter(user=user).exists():
            raise MFARequired()
        return user
