from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


class RequireMFAForStaffMiddleware:
    """Staff, DPO and Administrator accounts must set up TOTP before they use the site.

    Not only the admin: staff pages live elsewhere too (the calendar connection page, receipts,
    the request desk, the API with a session), and a stolen staff password should open none of
    them. Allowed without TOTP: what is needed to set it up or leave (allauth's pages under
    /accounts/), static files, language switching, health checks and webhooks.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.open_prefixes = (
            "/accounts/",
            settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/",
            "/i18n/",
            reverse("javascript-catalog"),
            reverse("healthz"),
            reverse("readyz"),
            "/webhooks/",
            "/cookies/",
        )
        self.api_prefix = "/api/"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._must_set_up_mfa(request):
            if request.path.startswith(self.api_prefix):
                return JsonResponse(
                    {
                        "code": "mfa_required",
                        "detail": _("Set up two-factor authentication first."),
                    },
                    status=403,
                )
            messages.warning(request, _("Set up two-factor authentication before you continue."))
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    def _must_set_up_mfa(self, request: HttpRequest) -> bool:
        user = request.user
        if not (user.is_authenticated and (user.is_staff or user.is_superuser)):
            return False
        if request.path.startswith(self.open_prefixes):
            return False
        return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
