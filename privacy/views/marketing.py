"""One-click unsubscribe (RFC 8058): POST without login; GET shows a confirm button."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ..services import InvalidUnsubscribeToken, marketing_unsubscribe
from ..services.marketing import unsubscribe_token_read


@csrf_exempt  # mail clients POST "List-Unsubscribe=One-Click" with no session: the token is the key
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    wants_json = "text/html" not in request.headers.get("Accept", "")
    if request.method == "GET":
        # A GET never changes anything (link scanners prefetch): show a button instead.
        try:
            _subject, purpose = unsubscribe_token_read(token=token)
        except InvalidUnsubscribeToken:
            return render(request, "privacy/unsubscribe.html", {"invalid": True}, status=400)
        return render(request, "privacy/unsubscribe.html", {"purpose": purpose, "token": token})
    try:
        event = marketing_unsubscribe(token=token, request=request)
    except InvalidUnsubscribeToken:
        if wants_json:
            return JsonResponse(
                {"code": "invalid_token", "detail": _("The unsubscribe link is not valid.")},
                status=400,
            )
        return render(request, "privacy/unsubscribe.html", {"invalid": True}, status=400)
    if wants_json:
        return JsonResponse({"purpose": event.purpose, "granted": False})
    return render(request, "privacy/unsubscribe.html", {"done": True, "purpose": event.purpose})
