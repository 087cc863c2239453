from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from . import views as error_views


class PermissionsPolicyMiddleware:
    """Adds the Permissions-Policy header (Django has no setting for it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class RejectNulBytesMiddleware:
    """400 for a URL holding a NUL byte, before any view can pass it on.

    NUL is never part of a valid URL here, and PostgreSQL text and file-system paths reject it
    with an exception: one check at the door instead of one in every `<str:…>` view.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            return error_views.bad_request(request, None)
        return self.get_response(request)
