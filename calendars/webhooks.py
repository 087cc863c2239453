"""Google Calendar push notifications (events.watch): verify the channel, queue a pull.

Google's notification has no body we need; it identifies itself by X-Goog-Channel-ID and the
secret token we chose per channel (X-Goog-Channel-Token), compared in constant time with the
stored hash. Unknown or forged channels get 403 — the same answer for both, so channel ids
cannot be probed.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services


@csrf_exempt
@require_POST
def google_calendar(request: HttpRequest) -> HttpResponse:
    connection = services.connection_for_notification(
        channel_id=request.headers.get("X-Goog-Channel-ID", ""),
        token=request.headers.get("X-Goog-Channel-Token", ""),
        resource_id=request.headers.get("X-Goog-Resource-ID", ""),
    )
    if connection is None:
        return JsonResponse(
            {"code": "invalid_channel", "detail": "Unknown channel or wrong channel token."},
            status=403,
        )
    # "sync" only confirms a new channel; "exists"/"not_exists" mean something changed.
    if request.headers.get("X-Goog-Resource-State", "") != "sync":
        services.connection_request_sync(connection=connection)
    return HttpResponse(status=200)
