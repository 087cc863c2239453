"""Thin API views: parse input, call one selector or service, map booking errors to 4xx."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookingtjeneste.api import Conflict

from .. import services
from ..exceptions import (
    BookingError,
    CancellationDeadlinePassed,
    IdempotencyKeyReused,
    InvalidBooking,
    InvalidStatusTransition,
    SlotUnavailable,
)
from ..models import Booking, Resource, Service
from ..selectors import (
    Availability,
    bookings_for_customer,
    resource_chosen_for,
    service_get_bookable,
    services_listed,
    slots_for_service,
    supplier_get_listed,
    supplier_time_zone,
    suppliers_listed,
)
from ..slot_cache import slots_body
from .serializers import (
    BookingCancelSerializer,
    BookingCreateSerializer,
    BookingRescheduleSerializer,
    BookingSerializer,
    ServiceSerializer,
    SlotListSerializer,
    SupplierSerializer,
)

MAX_RANGE_DAYS = 62
ERROR = OpenApiResponse(description='{"code": "...", "detail": "..."}')


class BadRequest(exceptions.APIException):
    """400 with a specific code (a ValidationError would be reported as the generic "invalid")."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"


def api_error(exc: BookingError) -> exceptions.APIException:
    """A booking rule's refusal as the API error with the right status and the same code."""
    detail = str(exc.message)
    if isinstance(exc, IdempotencyKeyReused):
        return Unprocessable(detail, code=exc.code)
    if isinstance(exc, SlotUnavailable | CancellationDeadlinePassed | InvalidStatusTransition):
        return Conflict(detail, code=exc.code)
    if exc.code == "not_found":
        return exceptions.NotFound()
    return BadRequest(detail, code=exc.code)


def bad_request(detail: str, code: str) -> exceptions.APIException:
    return BadRequest(detail, code=code)


def parse_day(value: str | None, name: str) -> date:
    if not value:
        detail = _("'%(name)s' is required (YYYY-MM-DD).") % {"name": name}
        raise bad_request(detail, "invalid_date")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise bad_request(
            _("'%(name)s' must be a date as YYYY-MM-DD.") % {"name": name}, "invalid_date"
        ) from None


def resource_for(service: Service, resource_id: object) -> Resource | None:
    """The service's active resource with this id; None when not given; 400 otherwise."""
    try:
        return resource_chosen_for(service, resource_id)
    except InvalidBooking as exc:
        raise api_error(exc) from None


def aware_start(value: datetime, service: Service) -> datetime:
    if timezone.is_naive(value):
        return timezone.make_aware(value, supplier_time_zone(service.supplier))
    return value


class SupplierListView(generics.ListAPIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = SupplierSerializer
    pagination_class = None

    def get_queryset(self):
        return suppliers_listed()


class ServiceListView(generics.ListAPIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = ServiceSerializer
    pagination_class = None

    def get_queryset(self):
        supplier = supplier_get_listed(slug=self.kwargs["slug"])
        if supplier is None:
            raise exceptions.NotFound(_("No such supplier."))
        return services_listed(supplier=supplier)


class SlotListView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, required=True, description="First date, YYYY-MM-DD"),
            OpenApiParameter("to", str, required=True, description="Last date (inclusive)"),
            OpenApiParameter("resource", int, required=False),
        ],
        responses={200: SlotListSerializer, 400: ERROR, 404: ERROR},
        description=f"Free slots, at most {MAX_RANGE_DAYS} days; times with the supplier's "
        "UTC offset (Europe/Oslo).",
    )
    def get(self, request: Request, service_id: int) -> Response:
        service = service_get_bookable(service_id=service_id)
        if service is None:
            raise exceptions.NotFound(_("No such service."))
        date_from = parse_day(request.query_params.get("from"), "from")
        date_to = parse_day(request.query_params.get("to"), "to")
        if date_to < date_from:
            raise bad_request(_("'to' must not be before 'from'."), "invalid_range")
        if (date_to - date_from).days + 1 > MAX_RANGE_DAYS:
            raise bad_request(
                _("The range may cover at most %(days)d days.") % {"days": MAX_RANGE_DAYS},
                "range_too_long",
            )
        resource = resource_for(service, request.query_params.get("resource"))
        body = slots_body(
            service=service,
            date_from=date_from,
            date_to=date_to,
            resource=resource,
            compute=lambda: slots_for_service(
                service=service, date_from=date_from, date_to=date_to, resource=resource
            ),
            render=slots_json,
        )
        return HttpResponse(body, content_type="application/json")


def slots_json(availability: Availability) -> str:
    """The {"slots": [...]} body, written directly from the engine's numbers: the hot path.

    A 62-day range holds thousands of slots; building dicts for DRF's renderer cost more than
    computing them. Resources share start times, so each instant is formatted once, as local
    ISO 8601 (see local_iso_strings). ISO strings and json.dumps'd resource objects need no
    further escaping.
    """
    free = availability.free
    refs = {
        rid: json.dumps({"id": rid, "name": name}, ensure_ascii=False)
        for rid, name in availability.resources.items()
    }
    duration = free.duration
    local = local_iso_strings(
        {*free.starts, *(start + duration for start in free.starts)}, availability.time_zone
    )
    items = ",".join(
        [
            f'{{"start":"{local[start]}","end":"{local[start + duration]}","resource":{refs[rid]}}}'
            for start, rid in zip(free.starts, free.resource_ids, strict=True)
        ]
    )
    return f'{{"slots":[{items}]}}'


EPOCH_DATE = date(1970, 1, 1)
SECONDS_PER_DAY = 86_400


def local_iso_strings(instants: set[int], tz: ZoneInfo) -> dict[int, str]:
    """POSIX seconds -> local ISO 8601 with the UTC offset, as datetime.isoformat() writes it.

    The offset is looked up once per UTC day, not per instant, and the date and time-of-day
    parts come from small tables: a day has ~30 distinct instants and a range ~60 days. A
    day whose offset changes (a DST switch) or is not whole minutes is formatted per instant
    the slow, obviously right way.
    """
    strings: dict[int, str] = {}
    day_offsets: dict[int, tuple[int, str] | None] = {}
    dates: dict[int, str] = {}
    times: dict[int, str] = {}
    for seconds in instants:
        utc_day = seconds // SECONDS_PER_DAY
        if utc_day in day_offsets:
            offset = day_offsets[utc_day]
        else:
            offset = day_offsets[utc_day] = _whole_day_offset(utc_day, tz)
        if offset is None:
            strings[seconds] = datetime.fromtimestamp(seconds, tz).isoformat()
            continue
        offset_seconds, suffix = offset
        local_day, second_of_day = divmod(seconds + offset_seconds, SECONDS_PER_DAY)
        day_part = dates.get(local_day)
        if day_part is None:
            day_part = dates[local_day] = f"{EPOCH_DATE + timedelta(days=local_day)}T"
        time_part = times.get(second_of_day)
        if time_part is None:
            hours, rest = divmod(second_of_day, 3600)
            time_part = times[second_of_day] = f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
        strings[seconds] = day_part + time_part + suffix
    return strings


def _whole_day_offset(utc_day: int, tz: ZoneInfo) -> tuple[int, str] | None:
    """(offset seconds, "+HH:MM") if `tz` keeps one whole-minute offset all that UTC day."""
    start = datetime.fromtimestamp(utc_day * SECONDS_PER_DAY, tz).utcoffset()
    end = datetime.fromtimestamp((utc_day + 1) * SECONDS_PER_DAY - 1, tz).utcoffset()
    if start is None or start != end:
        return None
    offset_seconds = int(start.total_seconds())
    if offset_seconds % 60:
        return None
    hours, minutes = divmod(abs(offset_seconds) // 60, 60)
    return offset_seconds, f"{'-' if offset_seconds < 0 else '+'}{hours:02d}:{minutes:02d}"


class CustomerBookingMixin:
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return bookings_for_customer(customer=self.request.user)

    def own_booking(self, pk: int) -> Booking:
        return get_object_or_404(self.get_queryset(), pk=pk)


class BookingListCreateView(CustomerBookingMixin, generics.ListAPIView):
    serializer_class = BookingSerializer
    pagination_class = None

    @extend_schema(
        request=BookingCreateSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Same key and body return the same booking (200), never a second.",
            )
        ],
        responses={
            201: BookingSerializer,
            200: BookingSerializer,
            400: ERROR,
            409: ERROR,
            422: ERROR,
        },
    )
    def post(self, request: Request) -> Response:
        payload = BookingCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 128:
            raise bad_request(_("Idempotency-Key is too long (at most 128)."), "invalid_header")
        service = Service.objects.select_related("supplier").filter(pk=data["service"]).first()
        if service is None:
            raise bad_request(_("No such service."), "unknown_service")
        try:
            booking = services.booking_create(
                customer=request.user,
                service=service,
                start=aware_start(data["start"], service),
                resource=resource_for(service, data.get("resource")),
                notes=data["notes"],
                idempotency_key=key,
            )
        except BookingError as exc:
            raise api_error(exc) from exc
        replay = getattr(booking, "idempotent_replay", False)
        return Response(
            BookingSerializer(booking).data,
            status=status.HTTP_200_OK if replay else status.HTTP_201_CREATED,
        )


class BookingDetailView(CustomerBookingMixin, generics.RetrieveAPIView):
    serializer_class = BookingSerializer


class BookingCancelView(CustomerBookingMixin, APIView):
    @extend_schema(
        request=BookingCancelSerializer,
        responses={200: BookingSerializer, 404: ERROR, 409: ERROR},
    )
    def post(self, request: Request, pk: int) -> Response:
        booking = self.own_booking(pk)
        payload = BookingCancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            booking = services.booking_cancel(
                booking=booking,
                by_user=request.user,
                by_supplier=False,
                reason=payload.validated_data["reason"],
            )
        except BookingError as exc:
            raise api_error(exc) from exc
        return Response(BookingSerializer(booking).data)


class BookingRescheduleView(CustomerBookingMixin, APIView):
    @extend_schema(
        request=BookingRescheduleSerializer,
        responses={200: BookingSerializer, 400: ERROR, 404: ERROR, 409: ERROR},
    )
    def post(self, request: Request, pk: int) -> Response:
        booking = self.own_booking(pk)
        payload = BookingRescheduleSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            booking = services.booking_reschedule(
                booking=booking,
                start=aware_start(data["start"], booking.service),
                resource=resource_for(booking.service, data.get("resource")),
                by_user=request.user,
            )
        except BookingError as exc:
            raise api_error(exc) from exc
        return Response(BookingSerializer(booking).data)
