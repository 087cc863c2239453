"""The "Verify your mobile number" page and its small JSON API (thin: services do the work)."""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from bookingtjeneste.client_ip import client_ip
from bookingtjeneste.providers import TransientProviderError

from .forms import CodeForm, PhoneForm
from .services.phone import (
    PhoneVerificationError,
    phone_verification_check,
    phone_verification_start,
)

logger = logging.getLogger(__name__)

SESSION_KEY = "notifications_phone_pending"

ERROR_MESSAGES = {
    "invalid_number": gettext_lazy("That is not a valid mobile number."),
    "not_mobile": gettext_lazy("That number cannot receive SMS. Please give a mobile number."),
    "country_not_allowed": gettext_lazy(
        "We only send SMS to mobile numbers with these country codes: %(codes)s."
    ),
    "too_many_requests": gettext_lazy(
        "Too many codes have been requested. Please wait a while before asking for a new one."
    ),
    "code_incorrect": gettext_lazy("The code is not correct. Check the SMS and try again."),
    "code_expired": gettext_lazy("The code has expired. Ask for a new code."),
    "too_many_attempts": gettext_lazy("Too many wrong attempts for this code. Ask for a new code."),
    "provider_unavailable": gettext_lazy(
        "We could not send SMS just now. Please try again in a few minutes."
    ),
}


def _error_message(code: str) -> str:
    message = str(ERROR_MESSAGES[code])
    if code == "country_not_allowed":  # the allowed codes are a setting
        codes = ", ".join(f"+{code}" for code in settings.PHONE_ALLOWED_COUNTRY_CODES)
        message = message % {"codes": codes}
    return message


def _language() -> str:
    return (get_language() or "nb")[:2]


def _next_url(request: HttpRequest) -> str:
    """Where to return after verifying (the booking flow sends `next`); only a local path."""
    value = request.POST.get("next") or request.GET.get("next") or ""
    if value.startswith("/") and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


def _this_page(next_url: str) -> str:
    page = reverse("notifications:phone-verify")
    return f"{page}?{urlencode({'next': next_url})}" if next_url else page


@login_required
def phone_verify(request: HttpRequest) -> HttpResponse:
    """Step 1: ask for the number and send a code. Step 2: check the code."""
    pending = request.session.get(SESSION_KEY, "")
    next_url = _next_url(request)
    phone_form = PhoneForm(initial={"phone": str(request.user.phone or "")}, prefix="phone")
    code_form = CodeForm(prefix="code")
    if request.method == "POST" and request.POST.get("action") == "send":
        phone_form = PhoneForm(request.POST, prefix="phone")
        if phone_form.is_valid():
            try:
                pending = phone_verification_start(
                    user=request.user,
                    phone=phone_form.cleaned_data["phone"],
                    ip_address=client_ip(request),
                    locale=_language(),
                )
            except PhoneVerificationError as error:
                phone_form.add_error("phone", _error_message(error.code))
            except TransientProviderError:
                phone_form.add_error(None, ERROR_MESSAGES["provider_unavailable"])
            else:
                request.session[SESSION_KEY] = pending
                messages.info(request, _("We have sent a code by SMS. It is valid for 10 minutes."))
                return redirect(_this_page(next_url))
    elif request.method == "POST" and request.POST.get("action") == "check" and pending:
        code_form = CodeForm(request.POST, prefix="code")
        if code_form.is_valid():
            try:
                phone_verification_check(
                    user=request.user, phone=pending, code=code_form.cleaned_data["code"]
                )
            except PhoneVerificationError as error:
                code_form.add_error("code", _error_message(error.code))
            except TransientProviderError:
                code_form.add_error(None, ERROR_MESSAGES["provider_unavailable"])
            else:
                request.session.pop(SESSION_KEY, None)
                messages.success(request, _("Your mobile number is verified."))
                return redirect(next_url or "accounts:profile")
    elif request.method == "POST" and request.POST.get("action") == "restart":
        request.session.pop(SESSION_KEY, None)
        return redirect(_this_page(next_url))
    return render(
        request,
        "notifications/phone_verify.html",
        {"phone_form": phone_form, "code_form": code_form, "pending": pending, "next": next_url},
    )


class PhoneSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=32)


class PhoneCodeSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=32)
    code = serializers.CharField(max_length=10)


ERROR_SCHEMA = inline_serializer(
    "PhoneVerificationError",
    {"code": serializers.CharField(), "detail": serializers.CharField()},
)
ERROR_RESPONSES = {400: ERROR_SCHEMA, 429: ERROR_SCHEMA, 503: ERROR_SCHEMA}


def _error(code: str, status_code: int) -> Response:
    return Response({"code": code, "detail": _error_message(code)}, status=status_code)


class _PhoneVerificationAPIView(APIView):
    """Shared by both endpoints: logged in only, and service refusals as {"code", "detail"}."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [UserRateThrottle]

    def handle_exception(self, exc):
        if isinstance(exc, PhoneVerificationError):
            return _error(exc.code, exc.status)
        if isinstance(exc, TransientProviderError):
            return _error("provider_unavailable", status.HTTP_503_SERVICE_UNAVAILABLE)
        return super().handle_exception(exc)


class PhoneVerificationStartView(_PhoneVerificationAPIView):
    """POST {phone} → 202: a code is on its way (limits: see services/phone.py)."""

    serializer_class = PhoneSerializer

    @extend_schema(
        request=PhoneSerializer,
        responses={
            202: inline_serializer(
                "PhoneVerificationStarted",
                {
                    "phone": serializers.CharField(),
                    "expires_in": serializers.IntegerField(),
                    "detail": serializers.CharField(),
                },
            ),
            **ERROR_RESPONSES,
        },
    )
    def post(self, request):
        serializer = PhoneSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        phone = phone_verification_start(
            user=request.user,
            phone=serializer.validated_data["phone"],
            ip_address=client_ip(request),
            locale=_language(),
        )
        return Response(
            {"phone": phone, "expires_in": 600, "detail": _("A code has been sent by SMS.")},
            status=status.HTTP_202_ACCEPTED,
        )


class PhoneVerificationCheckView(_PhoneVerificationAPIView):
    """POST {phone, code} → 200 {phone, verified_at}, or 400/429 with a distinct code."""

    serializer_class = PhoneCodeSerializer

    @extend_schema(
        request=PhoneCodeSerializer,
        responses={
            200: inline_serializer(
                "PhoneVerified",
                {"phone": serializers.CharField(), "verified_at": serializers.DateTimeField()},
            ),
            **ERROR_RESPONSES,
        },
    )
    def post(self, request):
        serializer = PhoneCodeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = phone_verification_check(
            user=request.user,
            phone=serializer.validated_data["phone"],
            code=serializer.validated_data["code"],
        )
        return Response({"phone": result.phone, "verified_at": result.verified_at})
