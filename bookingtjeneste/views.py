"""Styled error pages. They render without a request context on 500 so nothing can fail twice.

Under /api/ the same errors are JSON in the API's {"code","detail"} shape: a URL the API's
routes do not match (/api/v1/services/abc/slots/) is still an API client's request.
"""

import sys

from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

from .unavailable import is_database_unavailable, service_unavailable_response


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"code": "bad_request", "detail": _("The request is invalid.")}, status=400
        )
    return render(request, "errors/400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        detail = _("You do not have permission to do this.")
        return JsonResponse({"code": "permission_denied", "detail": detail}, status=403)
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"code": "not_found", "detail": _("Not found.")}, status=404)
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this inside its `except`: a database outage raised in a middleware (a
    # session load) lands here rather than in DatabaseUnavailableMiddleware.
    if is_database_unavailable(sys.exc_info()[1]):
        return service_unavailable_response(request)
    if _is_api(request):
        detail = "A server error occurred."  # no translation machinery: nothing may fail here
        return JsonResponse({"code": "server_error", "detail": detail}, status=500)
    return HttpResponseServerError(loader.get_template("errors/500.html").render())
