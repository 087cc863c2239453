from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .consent_context import ConsentContext


class ConsentMiddleware:
    """Attaches `request.consent` and widens the CSP only for the tags this response rendered."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.consent = ConsentContext(request)
        response = self.get_response(request)
        if request.consent.csp_update:
            update = {key: sorted(value) for key, value in request.consent.csp_update.items()}
            existing = getattr(response, "_csp_update", None) or {}
            for key, values in existing.items():
                update[key] = sorted({*update.get(key, []), *values})
            response._csp_update = update
        return response
