"""The admin's time-grid calendar: the page around the vendored widget and its JSON endpoints.

The page is the table calendar of views.py with the widget's configuration added; the table
stays as the fallback without JavaScript. The endpoints are thin: each validates its input
with a form and calls the same service as the admin's own pages (phone booking, block time,
move, confirm, cancel with a reason, no-show). Every object is reached through the supplier-
scoped querysets, so another supplier's booking or resource is a 404 or "not a valid choice".
Times go both ways as wall-clock time in the calendar's zone (Europe/Oslo), without an offset.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import services
from ..exceptions import BookingError, SlotUnavailable
from ..models import Booking, Resource, Service, Supplier
from ..selectors import CalendarEntry, calendar_events_for, opening_hours_by_day
from .calendar_forms import CalendarMoveForm, CalendarRangeForm
from .forms import BusyBlockForm, CancelReasonForm, PhoneBookingForm
from .scoping import move_resources_for, scope_queryset

WALL_CLOCK = "%Y-%m-%dT%H:%M:%S"
# The fields of the phone booking form that the clicked slot fills in (hidden in the dialog).
SLOT_FIELDS = ("service", "resource", "date", "time")


def calendar_time_zone() -> ZoneInfo:
    """The zone the calendar shows and reads times in: the site's (Europe/Oslo)."""
    return timezone.get_current_timezone()


def _error(code: str, detail: str, status: int, form=None) -> JsonResponse:
    body: dict = {"code": code, "detail": detail}
    if form is not None:
        body["errors"] = {
            field: [error["message"] for error in errors]
            for field, errors in form.errors.get_json_data().items()
        }
    return JsonResponse(body, status=status)


def _form_error(form, code: str = "invalid") -> JsonResponse:
    """400 with the first message up front (what the dialog shows) and every field's errors."""
    first = next(iter(form.errors.values()))[0]
    return _error(code, str(first), 400, form)


def _when(moment: datetime, tz: ZoneInfo) -> str:
    return timezone.localtime(moment, tz).strftime("%d.%m.%Y %H:%M")


def _closed_times(resources, start: datetime, end: datetime, tz: ZoneInfo) -> list[dict]:
    """Shaded background boxes over the hours each resource is closed on the shown dates.

    Only a picture: booking_reschedule and booking_create refuse closed hours themselves.
    Opening hours are the supplier's wall-clock times, written as they are.
    """
    first = timezone.localtime(start, tz).date()
    last = timezone.localtime(end - timedelta(microseconds=1), tz).date()
    by_supplier: dict[Supplier, list[int]] = defaultdict(list)
    for resource in resources.select_related("supplier").order_by("pk"):
        by_supplier[resource.supplier].append(resource.pk)
    boxes = []
    for supplier, resource_ids in by_supplier.items():
        hours = opening_hours_by_day(
            supplier=supplier, resource_ids=resource_ids, date_from=first, date_to=last
        )
        for (resource_id, day), intervals in hours.items():
            closed, cursor = [], time.min
            for opens, closes in intervals:
                if opens > cursor:
                    closed.append((cursor, opens))
                cursor = max(cursor, closes)
            next_day = f"{day + timedelta(days=1)}T00:00:00"
            edges = [(f"{day}T{a:%H:%M:%S}", f"{day}T{b:%H:%M:%S}") for a, b in closed]
            if cursor != time.min or not intervals:
                edges.append((f"{day}T{cursor:%H:%M:%S}", next_day))
            boxes += [
                {
                    "id": f"closed-{resource_id}-{day}-{number}",
                    "resourceIds": [str(resource_id)],
                    "start": box_start,
                    "end": box_end,
                    "display": "background",
                    "classNames": ["bt-cal-closed"],
                    "extendedProps": {"kind": "closed"},
                }
                for number, (box_start, box_end) in enumerate(edges)
            ]
    return boxes


class BookingCalendarViews:
    """Mixed into BookingAdmin ahead of BookingAdminViews (it extends calendar_view)."""

    def calendar_urls(self) -> list:
        """URL patterns, listed before the admin's `<object_id>/...` catch-alls."""
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path(
                "calendar/events/",
                view(self.calendar_events_view),
                name="{}_{}_calendar_events".format(*info),
            ),
            path(
                "calendar/phone/",
                view(self.calendar_phone_view),
                name="{}_{}_calendar_phone".format(*info),
            ),
            path(
                "calendar/block/",
                view(self.calendar_block_view),
                name="{}_{}_calendar_block".format(*info),
            ),
            path(
                "calendar/booking/<int:pk>/move/",
                view(self.calendar_move_view),
                name="{}_{}_calendar_move".format(*info),
            ),
            path(
                "calendar/booking/<int:pk>/<str:action>/",
                view(self.calendar_action_view),
                name="{}_{}_calendar_action".format(*info),
            ),
        ]

    # --- The page ----------------------------------------------------------------------------

    def calendar_view(self, request: HttpRequest) -> HttpResponse:
        response = super().calendar_view(request)
        if isinstance(response, TemplateResponse) and response.context_data is not None:
            response.context_data.update(self._widget_context(request, response.context_data))
        return response

    def _widget_context(self, request: HttpRequest, context: dict) -> dict:
        resources = context["resources"]
        several = len({resource.supplier_id for resource in resources}) > 1
        services_qs = scope_queryset(
            request, Service.objects.filter(is_active=True).select_related("supplier"), "supplier"
        )
        # Which resources perform which service: the dialog offers only what fits the column.
        performs: dict[int, list[str]] = {}
        for service_id, resource_id in Service.resources.through.objects.filter(
            service__in=services_qs, resource__in=[resource.pk for resource in resources]
        ).values_list("service_id", "resource_id"):
            performs.setdefault(service_id, []).append(str(resource_id))
        can_book = request.user.has_perm("bookings.add_booking")
        can_block = request.user.has_perm("bookings.add_busyblock")
        config = {
            "eventsUrl": reverse("admin:bookings_booking_calendar_events"),
            "view": context["span"],
            "date": context["day"].isoformat(),
            "locale": get_language() or "nb",
            "canChange": self.has_change_permission(request),
            "canBook": can_book,
            "canBlock": can_block,
            "resources": [
                {
                    "id": str(resource.pk),
                    "title": f"{resource.name} · {resource.supplier.name}"
                    if several
                    else resource.name,
                }
                for resource in resources
            ],
            "services": {str(service_id): ids for service_id, ids in performs.items()},
            "labels": {
                "blocked": _("Blocked"),
                "failed": _("Something went wrong. Reload the page and try again."),
                "noService": _("Nobody in this column performs a service."),
            },
        }
        phone_form = PhoneBookingForm(
            services=services_qs,
            resources=scope_queryset(request, Resource.objects.filter(is_active=True), "supplier"),
            auto_id="cal-phone-%s",
        )
        return {
            "calendar_config": config,
            "phone_form": phone_form if can_book else None,
            "slot_fields": SLOT_FIELDS,
            "block_form": BusyBlockForm(auto_id="cal-block-%s") if can_block else None,
            "cancel_form": CancelReasonForm(auto_id="cal-cancel-%s"),
        }

    # --- The feed ----------------------------------------------------------------------------

    def calendar_events_view(self, request: HttpRequest) -> HttpResponse:
        return require_GET(self._calendar_events)(request)

    def _calendar_events(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        tz = calendar_time_zone()
        form = CalendarRangeForm(request.GET, tz=tz)
        if not form.is_valid():
            return _form_error(form, code="invalid_range")
        # The same resources as the table calendar: active ones of the viewer's supplier.
        resources = scope_queryset(request, Resource.objects.filter(is_active=True), "supplier")
        entries = calendar_events_for(
            resources=resources, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
        )
        can_change = self.has_change_permission(request)
        now = timezone.now()
        events = [self._event(entry, tz=tz, can_change=can_change, now=now) for entry in entries]
        events += _closed_times(resources, form.cleaned_data["start"], form.cleaned_data["end"], tz)
        return JsonResponse(events, safe=False)

    def _event(self, entry: CalendarEntry, *, tz: ZoneInfo, can_change: bool, now) -> dict:
        event = {
            "id": f"{entry.kind}-{entry.pk}",
            "resourceIds": [str(entry.resource_id)],
            "start": timezone.localtime(entry.start, tz).strftime(WALL_CLOCK),
            "end": timezone.localtime(entry.end, tz).strftime(WALL_CLOCK),
            "title": entry.title,
            "durationEditable": False,  # a booking lasts as long as its service
        }
        if entry.kind == "block":
            return {
                **event,
                "startEditable": False,
                "classNames": ["bt-cal-block"],
                "extendedProps": {
                    "kind": "block",
                    "statusLabel": entry.status_label,
                    "url": reverse("admin:bookings_busyblock_change", args=[entry.pk]),
                },
            }
        active = entry.status in Booking.BLOCKING_STATUSES
        movable = can_change and active
        actions = {}
        if can_change:
            names = []
            if entry.status == Booking.Status.PENDING_PAYMENT:
                names.append("confirm")
            if active:
                names.append("cancel")
            if entry.status == Booking.Status.CONFIRMED and entry.start <= now:
                names.append("no-show")
            actions = {
                name: reverse("admin:bookings_booking_calendar_action", args=[entry.pk, name])
                for name in names
            }
        return {
            **event,
            "startEditable": movable,
            "classNames": ["bt-cal-booking", f"bt-cal-{entry.status}"],
            "extendedProps": {
                "kind": "booking",
                "phone": entry.phone,
                "service": entry.service,
                "reference": entry.reference,
                "status": entry.status,
                "statusLabel": entry.status_label,
                "url": reverse("admin:bookings_booking_change", args=[entry.pk]),
                "moveUrl": (
                    reverse("admin:bookings_booking_move", args=[entry.pk]) if movable else ""
                ),
                "dropUrl": (
                    reverse("admin:bookings_booking_calendar_move", args=[entry.pk])
                    if movable
                    else ""
                ),
                "actions": actions,
            },
        }

    # --- Writes ------------------------------------------------------------------------------

    def calendar_move_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return require_POST(self._calendar_move)(request, pk)

    def _calendar_move(self, request: HttpRequest, pk: int) -> HttpResponse:
        """A booking dragged to another time or column: the move action's service and rules."""
        booking = self.get_object(request, str(pk))  # scoped: another supplier's is a 404
        if not self.has_change_permission(request, booking):
            raise PermissionDenied
        if booking.status not in Booking.BLOCKING_STATUSES:
            return _error(
                "invalid_status", _("Only pending or confirmed bookings can be moved."), 409
            )
        tz = calendar_time_zone()
        form = CalendarMoveForm(request.POST, tz=tz, resources=move_resources_for(request, booking))
        if not form.is_valid():
            return _form_error(form)
        try:
            # Staff act for the supplier: the customer's deadline and minimum notice do not
            # apply; opening hours, the past and other bookings do (the service checks them).
            moved = services.booking_reschedule(
                booking=booking,
                start=form.cleaned_data["start"],
                resource=form.cleaned_data["resource"],
                by_user=request.user,
                by_supplier=True,
            )
        except SlotUnavailable as exc:
            return _error(exc.code, _("That time is no longer free."), 409)
        except BookingError as exc:
            return _error(exc.code, str(exc.message), 409)
        return JsonResponse(
            {
                "detail": _("Booking %(ref)s is moved to %(when)s (%(resource)s).")
                % {
                    "ref": moved.reference,
                    "when": _when(moved.start, tz),
                    "resource": moved.resource.name,
                }
            }
        )

    def calendar_action_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        return require_POST(self._calendar_action)(request, pk, action)

    def _calendar_action(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        """Confirm, cancel (with the reason the customer is sent) or mark a no-show."""
        if action not in ("confirm", "cancel", "no-show"):
            return _error("not_found", _("Unknown action."), 404)
        booking = self.get_object(request, str(pk))
        if not self.has_change_permission(request, booking):
            raise PermissionDenied
        form = CancelReasonForm(request.POST) if action == "cancel" else None
        if form is not None and not form.is_valid():
            return _form_error(form)
        try:
            if action == "confirm":
                services.booking_confirm(booking=booking, by_user=request.user)
                done = _("Booking %(ref)s is confirmed.")
            elif action == "no-show":
                services.booking_mark_no_show(booking=booking, by_user=request.user)
                done = _("Booking %(ref)s is marked as a no-show.")
            else:
                services.booking_cancel(
                    booking=booking,
                    by_user=request.user,
                    by_supplier=True,
                    reason=form.cleaned_data["reason"],
                )
                done = _("Booking %(ref)s is cancelled.")
        except BookingError as exc:
            return _error(exc.code, str(exc.message), 409)
        return JsonResponse({"detail": done % {"ref": booking.reference}})

    def calendar_phone_view(self, request: HttpRequest) -> HttpResponse:
        return require_POST(self._calendar_phone)(request)

    def _calendar_phone(self, request: HttpRequest) -> HttpResponse:
        """The phone booking form, posted from a clicked slot; the phone page's service."""
        if not request.user.has_perm("bookings.add_booking"):
            raise PermissionDenied
        form = PhoneBookingForm(
            request.POST,
            services=scope_queryset(
                request,
                Service.objects.filter(is_active=True).select_related("supplier"),
                "supplier",
            ),
            resources=scope_queryset(request, Resource.objects.filter(is_active=True), "supplier"),
        )
        if not form.is_valid():
            return _form_error(form)
        data = form.cleaned_data
        try:
            booking = services.booking_create_by_phone(
                staff_user=request.user,
                customer_name=data["customer_name"],
                customer_phone=data["customer_phone"],
                customer_email=data.get("customer_email", ""),
                service=data["service"],
                start=data["start"],
                resource=data["resource"],
                notes=data.get("notes", ""),
            )
        except BookingError as exc:
            return _error(exc.code, str(exc.message), 409)
        return JsonResponse(
            {
                "detail": _("Booking %(ref)s is made.") % {"ref": booking.reference},
                "url": reverse("admin:bookings_booking_change", args=[booking.pk]),
            },
            status=201,
        )

    def calendar_block_view(self, request: HttpRequest) -> HttpResponse:
        return require_POST(self._calendar_block)(request)

    def _calendar_block(self, request: HttpRequest) -> HttpResponse:
        """Block time from a clicked or dragged-over slot; the block admin's form and service."""
        if not request.user.has_perm("bookings.add_busyblock"):
            raise PermissionDenied
        tz = calendar_time_zone()
        form = BusyBlockForm(request.POST)
        form.fields["resource"].queryset = scope_queryset(
            request, Resource.objects.filter(is_active=True), "supplier"
        )
        with timezone.override(tz):  # the dialog's times are wall-clock times in this zone
            valid = form.is_valid()
        if not valid:
            return _form_error(form)
        data = form.cleaned_data
        try:
            block = services.busy_block_create(
                resource=data["resource"],
                start=data["start"],
                end=data["end"],
                note=data.get("note") or "",
                by_user=request.user,
            )
        except BookingError as exc:
            return _error(exc.code, str(exc.message), 409)
        return JsonResponse(
            {
                "detail": _("%(resource)s is blocked %(start)s–%(end)s.")
                % {
                    "resource": block.resource.name,
                    "start": _when(block.start, tz),
                    "end": timezone.localtime(block.end, tz).strftime("%H:%M"),
                }
            },
            status=201,
        )
