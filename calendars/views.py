"""Connect a resource's Google Calendar: a small staff page, the OAuth redirect, the callback."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from bookingtjeneste.csp import allow_form_action, origin_of
from bookingtjeneste.providers import PermanentProviderError, TransientProviderError

from . import google, oauth, services
from .models import CalendarConnection
from .selectors import manageable_resources
from .services.gateways import google_configured

logger = logging.getLogger(__name__)


def _redirect_uri() -> str:
    return settings.SITE_URL + reverse("calendars:oauth-callback")


def _connection_admin_url(connection: CalendarConnection) -> str:
    return reverse("admin:calendars_calendarconnection_change", args=[connection.pk])


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """The resources this staff member may connect, with each calendar's state."""
    resources = list(manageable_resources(user=request.user).order_by("supplier__name", "name"))
    if not resources:
        raise Http404
    connections = {
        c.resource_id: c for c in CalendarConnection.objects.filter(resource__in=resources)
    }
    rows = [(resource, connections.get(resource.pk)) for resource in resources]
    return render(request, "calendars/overview.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def connect(request: HttpRequest, resource_id: int) -> HttpResponse:
    """GET: what connecting means; POST: start Google's consent (or connect in console mode)."""
    resource = get_object_or_404(manageable_resources(user=request.user), pk=resource_id)
    connection = CalendarConnection.objects.filter(resource=resource).first()
    if request.method == "POST":
        if request.POST.get("action") == "disconnect" and connection is not None:
            services.connection_disconnect(connection=connection)
            messages.success(request, _("The calendar was disconnected."))
            return redirect("calendars:connect", resource_id=resource.pk)
        if not google_configured():
            connection = services.connection_connect_console(resource=resource)
            messages.info(
                request,
                _("Console mode: the calendar is connected, but nothing is sent to Google."),
            )
            return redirect(_connection_admin_url(connection))
        state = oauth.state_create(request=request, resource_id=resource.pk)
        return redirect(google.authorization_url(redirect_uri=_redirect_uri(), state=state))
    response = render(
        request,
        "calendars/connect.html",
        {
            "resource": resource,
            "connection": connection,
            "console_mode": not google_configured(),
        },
    )
    if google_configured():
        # The connect button's POST is answered by a redirect to Google's consent screen.
        consent_url = getattr(settings, "GOOGLE_OAUTH_AUTH_URL", "") or google.DEFAULT_AUTH_URL
        allow_form_action(response, [origin_of(consent_url)])
    return response


@login_required
@require_GET
def oauth_callback(request: HttpRequest) -> HttpResponse:
    """Google sends the user back here with `code` and our `state` (or an `error`)."""
    try:
        resource_id = oauth.state_verify(request=request, state=request.GET.get("state", ""))
    except oauth.InvalidState:
        return render(
            request,
            "calendars/connect_failed.html",
            {"reason": _("The link has expired or was not started in this browser.")},
            status=400,
        )
    resource = manageable_resources(user=request.user).filter(pk=resource_id).first()
    if resource is None:
        raise Http404
    code = request.GET.get("code", "")
    if request.GET.get("error") or not code or len(code) > 2048:
        return render(
            request,
            "calendars/connect_failed.html",
            {"reason": _("Google did not grant access."), "resource": resource},
            status=400,
        )
    try:
        tokens = google.exchange_code(code=code, redirect_uri=_redirect_uri())
    except TransientProviderError:
        return render(
            request,
            "calendars/connect_failed.html",
            {"reason": _("Google could not be reached. Please try again."), "resource": resource},
            status=502,
        )
    except PermanentProviderError as exc:
        logger.info("calendar oauth exchange refused: %s", exc.code)
        return render(
            request,
            "calendars/connect_failed.html",
            {"reason": _("Google did not grant offline access."), "resource": resource},
            status=400,
        )
    connection = services.connection_connect_google(resource=resource, tokens=tokens)
    messages.success(request, _("The Google Calendar is connected."))
    return redirect(_connection_admin_url(connection))
