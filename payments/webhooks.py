"""Webhook endpoints: verify on the raw body, store once, answer fast, process in a task."""

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .providers.base import WebhookVerificationError
from .providers.registry import registry
from .services import webhook_event_record

logger = logging.getLogger(__name__)


def _error(code: str, detail: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail}, status=status)


def _receive(request: HttpRequest, identifier: str) -> JsonResponse:
    if request.method != "POST":
        response = _error("method_not_allowed", "Webhooks are delivered with POST.", 405)
        response["Allow"] = "POST"
        return response
    provider = registry.get(identifier)
    if not provider.is_configured():
        # Console mode has no webhooks; an unconfigured endpoint accepts nothing.
        return _error("not_configured", "This payment provider is not configured.", 404)
    try:
        notification = provider.handle_webhook(request)
    except WebhookVerificationError as error:
        logger.warning("rejected webhook", extra={"provider": identifier, "reason": str(error)})
        return _error("invalid_signature", "The webhook could not be verified.", 400)
    event = webhook_event_record(provider=identifier, notification=notification)
    return JsonResponse({"received": True, "stored": event is not None})


@csrf_exempt
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    return _receive(request, "stripe")


@csrf_exempt
def vipps_webhook(request: HttpRequest) -> JsonResponse:
    return _receive(request, "vipps")


@csrf_exempt
def mollie_webhook(request: HttpRequest) -> JsonResponse:
    return _receive(request, "mollie")
