"""API shapes. Times are ISO 8601 in the supplier's time zone (Europe/Oslo offset)."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Booking, Service, Supplier
from ..selectors import booking_cancellation_deadline, booking_payment_url


def local_iso(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat() if value else None


class SupplierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Supplier
        fields = [
            "slug",
            "name",
            "description",
            "address_line",
            "postal_code",
            "city",
            "contact_email",
            "contact_phone",
            "time_zone",
            "cancellation_deadline_hours",
        ]


class ResourceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ServiceSerializer(serializers.ModelSerializer):
    price = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)
    currency = serializers.SerializerMethodField()
    payment_required = serializers.BooleanField(read_only=True)
    deposit = serializers.SerializerMethodField()
    resources = ResourceRefSerializer(many=True, read_only=True)

    class Meta:
        model = Service
        fields = [
            "id",
            "name",
            "description",
            "duration_minutes",
            "price",
            "currency",
            "vat_rate",
            "payment_required",
            "payment_mode",
            "deposit",
            "resources",
        ]

    def get_currency(self, service: Service) -> str:
        return settings.CURRENCY

    @extend_schema_field(OpenApiTypes.DECIMAL)
    def get_deposit(self, service: Service) -> str | None:
        if service.payment_mode != Service.PaymentMode.DEPOSIT or service.deposit_ore is None:
            return None
        return f"{service.deposit_ore / 100:.2f}"


class SlotSerializer(serializers.Serializer):
    """Documentation only: the slots view builds these dicts directly (it is the hot path)."""

    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    resource = ResourceRefSerializer()


class SlotListSerializer(serializers.Serializer):
    slots = SlotSerializer(many=True)


class StartField(serializers.CharField):
    """An ISO 8601 date-time; without an offset it is read in the supplier's time zone."""

    def to_internal_value(self, data: object) -> datetime:
        text = super().to_internal_value(data)
        try:
            value = parse_datetime(text) if len(text) <= 40 else None
        except ValueError:
            value = None
        if value is None:
            raise serializers.ValidationError(
                _("Use an ISO 8601 date-time, e.g. 2026-03-02T10:00:00+01:00."), code="invalid_date"
            )
        return value


class BookingCreateSerializer(serializers.Serializer):
    service = serializers.IntegerField(min_value=1)
    start = StartField()
    resource = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class BookingRescheduleSerializer(serializers.Serializer):
    start = StartField()
    resource = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class BookingCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class BookingSerializer(serializers.ModelSerializer):
    start = serializers.SerializerMethodField()
    end = serializers.SerializerMethodField()
    service_name = serializers.CharField(source="service.name", read_only=True)
    resource_name = serializers.CharField(source="resource.name", read_only=True)
    supplier = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    price = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)
    currency = serializers.SerializerMethodField()
    notes = serializers.CharField(source="customer_notes", read_only=True)
    hold_expires_at = serializers.SerializerMethodField()
    cancellable_until = serializers.SerializerMethodField()
    payment_url = serializers.SerializerMethodField()

    class Meta:
        model = Booking
        fields = [
            "id",
            "reference",
            "status",
            "start",
            "end",
            "service",
            "service_name",
            "resource",
            "resource_name",
            "supplier",
            "price",
            "currency",
            "notes",
            "hold_expires_at",
            "cancellable_until",
            "payment_url",
            "created_at",
        ]
        read_only_fields = fields

    _built_fields: ClassVar[dict[str, serializers.Field] | None] = None

    def get_fields(self) -> dict[str, serializers.Field]:
        # ModelSerializer introspects the model again for every instance, i.e. for every
        # booking response; the fields depend on the class only, so build them once and hand
        # out copies (what a plain Serializer does with its declared fields).
        built = type(self).__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            type(self)._built_fields = built
        return copy.deepcopy(built)

    def _tz(self, booking: Booking) -> ZoneInfo:
        return ZoneInfo(booking.supplier.time_zone)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_start(self, booking: Booking) -> str | None:
        return local_iso(booking.start, self._tz(booking))

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_end(self, booking: Booking) -> str | None:
        return local_iso(booking.end, self._tz(booking))

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_hold_expires_at(self, booking: Booking) -> str | None:
        return local_iso(booking.hold_expires_at, self._tz(booking))

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_cancellable_until(self, booking: Booking) -> str | None:
        return local_iso(booking_cancellation_deadline(booking), self._tz(booking))

    def get_currency(self, booking: Booking) -> str:
        return settings.CURRENCY

    @extend_schema_field(OpenApiTypes.URI)
    def get_payment_url(self, booking: Booking) -> str | None:
        return booking_payment_url(booking, self.context.get("request"))
