"""Privacy request API (CONTRACT.md): submit a request, follow it, get the export link."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bookingtjeneste.api import Conflict

from ..export import download_url
from ..models import PrivacyRequest
from ..request_desk import RequestError, request_submit
from ..request_selectors import request_for_user


class RequestCreateSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=PrivacyRequest.Type.values)
    details = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class RequestSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    type = serializers.CharField()
    status = serializers.CharField()
    received_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField()
    decision_reason = serializers.CharField()
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, obj: PrivacyRequest) -> str | None:
        return download_url(obj) if obj.type == PrivacyRequest.Type.ACCESS else None


class RequestListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=RequestCreateSerializer, responses={201: RequestSerializer})
    def post(self, request):
        serializer = RequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            created = request_submit(
                type=serializer.validated_data["type"],
                channel=PrivacyRequest.Channel.API,
                user=request.user,
                details=serializer.validated_data.get("details", ""),
            )
        except RequestError as error:
            if error.code == "duplicate":
                raise Conflict(detail=error.detail, code="duplicate_request") from error
            raise ValidationError({"type": [error.detail]}, code=error.code) from error
        created.refresh_from_db()
        return Response(RequestSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=RequestSerializer(many=True))
    def get(self, request):
        own = PrivacyRequest.objects.filter(subject=request.user).order_by("-created_at")
        return Response(RequestSerializer(own, many=True).data)


class RequestDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=RequestSerializer)
    def get(self, request, request_id: int):
        found = request_for_user(user=request.user, request_id=request_id)
        if found is None:
            raise NotFound()
        return Response(RequestSerializer(found).data)
