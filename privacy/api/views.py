"""Consent API (CONTRACT.md): GET every purpose's state, PUT one purpose's choice."""

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from bookingtjeneste.api import Conflict

from ..forms import WORDING_CHANGED, WORDING_CHANGED_CODE
from ..models import ConsentEvent
from ..purposes import Purpose
from ..selectors import consent_states
from ..services import ConsentWordingChanged, consent_set


class ConsentChangeThrottle(UserRateThrottle):
    """Consent changes are rate-limited per user (429 JSON from the project handler)."""

    scope = "consent_change"

    def get_rate(self) -> str:
        return settings.CONSENT_CHANGE_RATE


class ConsentStateSerializer(serializers.Serializer):
    purpose = serializers.CharField()
    granted = serializers.BooleanField()
    updated_at = serializers.DateTimeField(allow_null=True)
    # The wording an app must show next to the choice: a PUT records this version of it.
    text = serializers.CharField()
    text_version = serializers.IntegerField(allow_null=True)


def _state(*, purpose: str, granted: bool, updated_at, text) -> dict:
    return {
        "purpose": purpose,
        "granted": granted,
        "updated_at": updated_at,
        "text": text.text_for(get_language()) if text else "",
        "text_version": text.version if text else None,
    }


class ConsentListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ConsentStateSerializer(many=True))
    def get(self, request):
        states = [
            _state(purpose=s.purpose, granted=s.granted, updated_at=s.updated_at, text=s.text)
            for s in consent_states(subject=request.user)
        ]
        return Response(ConsentStateSerializer(states, many=True).data)


class ConsentDetailView(APIView):
    permission_classes = [IsAuthenticated]

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.request.method == "PUT":
            throttles.append(ConsentChangeThrottle())
        return throttles

    @extend_schema(
        request=inline_serializer(
            "ConsentChange",
            {
                "granted": serializers.BooleanField(),
                "text_version": serializers.IntegerField(required=False),
            },
        ),
        responses={200: ConsentStateSerializer},
    )
    def put(self, request, purpose: str):
        if purpose not in Purpose.values:
            raise NotFound(_("Unknown consent purpose."))
        data = request.data
        # Only a real JSON boolean counts: "yes", 1 or "true" are not an unambiguous choice.
        if not isinstance(data, dict) or not isinstance(data.get("granted"), bool):
            raise ValidationError({"granted": [_("A JSON boolean is required.")]})
        # Optional: the text_version the app showed. A yes to a wording that has changed since
        # is refused (409), so the ledger never points at a text the person did not see.
        shown = data.get("text_version")
        if shown is not None and (isinstance(shown, bool) or not isinstance(shown, int)):
            raise ValidationError({"text_version": [_("A whole number is required.")]})
        try:
            event = consent_set(
                subject=request.user,
                purpose=purpose,
                granted=data["granted"],
                source=ConsentEvent.Source.API,
                request=request,
                shown_text_version=shown,
            )
        except ConsentWordingChanged:
            raise Conflict(str(WORDING_CHANGED), code=WORDING_CHANGED_CODE) from None
        body = _state(
            purpose=purpose,
            granted=event.granted,
            updated_at=event.created_at,
            text=event.purpose_text,
        )
        return Response(ConsentStateSerializer(body).data, status=status.HTTP_200_OK)
