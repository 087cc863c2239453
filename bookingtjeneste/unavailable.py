"""A dropped or unreachable database: 503 with Retry-After instead of a bare 500."""

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext

logger = logging.getLogger(__name__)

# How long a client should wait before retrying: a database restart or fail-over takes seconds.
DATABASE_RETRY_AFTER_SECONDS = 15


def is_database_unavailable(error: BaseException | None) -> bool:
    """True for connection-level database failures (refused, dropped, shut down).

    OperationalError and InterfaceError are what the driver raises when the server cannot be
    reached or the connection broke; IntegrityError, DataError and the like are our bugs or bad
    input and must stay visible as such.
    """
    return isinstance(error, (OperationalError, InterfaceError))


def service_unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON for the API and JSON clients, a static page otherwise.

    For a dropped database and for an outside service the request cannot do without.

    Renders without a request context, so nothing here can touch the database again.
    """
    wants_json = request.path.startswith("/api/") or (
        request.get_preferred_type(["text/html", "application/json"]) == "application/json"
    )
    if wants_json:
        detail = gettext("The service is temporarily unavailable. Please try again shortly.")
        response: HttpResponse = JsonResponse(
            {"code": "service_unavailable", "detail": detail}, status=503
        )
    else:
        response = HttpResponse(loader.get_template("errors/503.html").render(), status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    """A dropped or unreachable database answers 503 + Retry-After instead of a bare 500.

    Covers exceptions raised in views; one raised inside another middleware (a session load)
    reaches handler500, which calls `service_unavailable_response` the same way.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_unavailable(exception):
            return None
        # The driver's message may hold values of the statement: log only the class and the
        # SQLSTATE (e.g. 57P01 admin shutdown, 08006 connection failure), no traceback.
        logger.warning(
            "database unavailable: %s",
            type(exception).__name__,
            extra={"sqlstate": getattr(exception.__cause__, "sqlstate", None)},
        )
        return service_unavailable_response(request)
