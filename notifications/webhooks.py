"""Provider webhooks: verify, store once, apply, answer fast. CSRF-exempt by necessity.

Twilio requests are signed (X-Twilio-Signature over the public URL and the form fields);
Brevo's are authenticated by a secret token in the URL, compared in constant time.
"""

import json
import logging
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from .services.events import brevo_event_record, twilio_inbound_record, twilio_status_record

logger = logging.getLogger(__name__)

MAX_BREVO_EVENTS_PER_REQUEST = 1000


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail}, status=status)


def _twilio_signature_valid(request: HttpRequest) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not settings.TWILIO_AUTH_TOKEN:
        return False
    # Twilio signs the URL it called: our public SITE_URL, not whatever host the proxy saw.
    url = settings.SITE_URL + request.get_full_path()
    params = {key: request.POST.get(key) for key in request.POST}
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, params, signature)


def _twiml(text: str = "") -> HttpResponse:
    body = f"<Message>{escape(text)}</Message>" if text else ""
    return HttpResponse(
        f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>',
        content_type="application/xml",
    )


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    if not _twilio_signature_valid(request):
        return _error(403, "invalid_signature", "Missing or invalid X-Twilio-Signature.")
    try:
        twilio_status_record(params=request.POST)
    except ValueError as error:
        return _error(400, "invalid_payload", str(error))
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    if not _twilio_signature_valid(request):
        return _error(403, "invalid_signature", "Missing or invalid X-Twilio-Signature.")
    try:
        keyword = twilio_inbound_record(params=request.POST)
    except ValueError as error:
        return _error(400, "invalid_payload", str(error))
    # With Twilio's Advanced Opt-Out (OptOutType present) Twilio answers the keyword itself.
    if request.POST.get("OptOutType") or keyword is None:
        return _twiml()
    with translation.override(settings.LANGUAGE_CODE):
        if keyword == "stop":
            return _twiml(
                _(
                    "You will no longer receive SMS from Bookingtjeneste. Reply START "
                    "to receive booking messages again."
                )
            )
        if keyword == "start":
            return _twiml(
                _("SMS notifications about your bookings are on again. Reply STOP to stop them.")
            )
        if keyword == "help":
            return _twiml(
                _(
                    "Bookingtjeneste: booking messages. Reply STOP to stop them. "
                    "Help: %(site)s/contact/"
                )
                % {"site": settings.SITE_URL}
            )
    return _twiml()


@csrf_exempt
@require_POST
def brevo_events(request: HttpRequest, token: str) -> HttpResponse:
    expected = settings.BREVO_WEBHOOK_TOKEN
    if not expected or not constant_time_compare(token, expected):
        return _error(403, "invalid_token", "Unknown webhook token.")
    try:
        payload = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return _error(400, "invalid_json", "The body is not JSON.")
    events = payload if isinstance(payload, list) else [payload]
    if (
        not events
        or len(events) > MAX_BREVO_EVENTS_PER_REQUEST
        or not all(isinstance(event, dict) for event in events)
    ):
        return _error(400, "invalid_payload", "Expected an event object or a list of them.")
    for event in events:
        brevo_event_record(payload=event)
    return HttpResponse(status=204)
