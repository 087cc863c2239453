"""Custom admin pages for bookings: the day/week calendar, phone booking, cancel with reason,
move a booking."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import services
from ..exceptions import BookingError, SlotUnavailable
from ..models import Booking, BusyBlock, Resource, Service
from ..selectors import slots_for_service, supplier_time_zone
from .forms import CancelReasonForm, MoveBookingForm, PhoneBookingForm
from .scoping import move_resources_for, scope_queryset

# The calendar browses a century either side of today; beyond that dates cannot be turned
# into instants (year 1, year 9999) and nobody keeps bookings there.
CALENDAR_REACH = timedelta(days=365 * 100)


def _parse_day(value: str | None) -> date:
    today = timezone.localdate()
    try:
        day = date.fromisoformat(value) if value else today
    except ValueError:
        return today
    return min(max(day, today - CALENDAR_REACH), today + CALENDAR_REACH)


def _free_starts_for(booking: Booking):
    """The move form's source of free times: the slot engine's answer for one date and
    resource, with the booking itself left out and no minimum notice (the supplier's side)."""

    def free_starts(day: date, resource: Resource) -> list[datetime]:
        availability = slots_for_service(
            service=booking.service,
            date_from=day,
            date_to=day,
            resource=resource,
            exclude_booking_id=booking.pk,
            enforce_notice=False,
        )
        return [slot.start for slot in availability.slots]

    return free_starts


class BookingAdminViews:
    """Mixed into BookingAdmin: every page goes through the same scoping as the changelist."""

    def calendar_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        span = "week" if request.GET.get("span") == "week" else "day"
        day = _parse_day(request.GET.get("date"))
        first = day - timedelta(days=day.weekday()) if span == "week" else day
        days = [first + timedelta(days=i) for i in range(7 if span == "week" else 1)]
        resources = list(
            scope_queryset(request, Resource.objects.filter(is_active=True), "supplier")
            .select_related("supplier")
            .order_by("supplier__name", "sort_order", "name")
        )
        tz = timezone.get_current_timezone()
        start = timezone.make_aware(datetime.combine(days[0], time.min), tz)
        end = timezone.make_aware(datetime.combine(days[-1] + timedelta(days=1), time.min), tz)
        bookings = (
            self.get_queryset(request)
            .filter(resource__in=resources, start__lt=end, end__gt=start)
            .exclude(status=Booking.Status.CANCELLED)
            .order_by("start")
        )
        blocks = BusyBlock.objects.filter(
            resource__in=resources, start__lt=end, end__gt=start
        ).order_by("start")
        cells: dict[tuple[date, int], list[dict]] = {}
        for booking in bookings:
            local = timezone.localtime(booking.start, tz)
            cells.setdefault((local.date(), booking.resource_id), []).append(
                {
                    "start": local,
                    "end": timezone.localtime(booking.end, tz),
                    "label": f"{booking.service.name} · {booking.reference}",
                    "status": booking.status,
                    "status_label": booking.get_status_display(),
                    "url": reverse("admin:bookings_booking_change", args=[booking.pk]),
                    "move_url": (
                        reverse("admin:bookings_booking_move", args=[booking.pk])
                        if booking.status in Booking.BLOCKING_STATUSES
                        else ""
                    ),
                }
            )
        for block in blocks:
            local = timezone.localtime(block.start, tz)
            cells.setdefault((local.date(), block.resource_id), []).append(
                {
                    "start": local,
                    "end": timezone.localtime(block.end, tz),
                    "label": block.note or block.get_source_display(),
                    "status": "blocked",
                    "status_label": _("Blocked"),
                    "url": reverse("admin:bookings_busyblock_change", args=[block.pk]),
                }
            )
        rows = [
            {
                "day": d,
                "cells": [
                    sorted(cells.get((d, r.pk), []), key=lambda entry: entry["start"])
                    for r in resources
                ],
            }
            for d in days
        ]
        step = timedelta(days=7 if span == "week" else 1)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Calendar"),
            "opts": self.opts,
            "resources": resources,
            "rows": rows,
            "span": span,
            "day": day,
            "previous": day - step,
            "next": day + step,
        }
        return TemplateResponse(request, "admin/bookings/booking/calendar.html", context)

    def phone_booking_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("bookings.add_booking"):
            raise PermissionDenied
        services_qs = scope_queryset(
            request, Service.objects.filter(is_active=True).select_related("supplier"), "supplier"
        )
        resources_qs = scope_queryset(request, Resource.objects.filter(is_active=True), "supplier")
        form = PhoneBookingForm(request.POST or None, services=services_qs, resources=resources_qs)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                booking = services.booking_create_by_phone(
                    staff_user=request.user,
                    customer_name=data["customer_name"],
                    customer_phone=data["customer_phone"],
                    customer_email=data["customer_email"],
                    service=data["service"],
                    start=data["start"],
                    resource=data["resource"],
                    notes=data["notes"],
                )
            except BookingError as exc:
                form.add_error(None, exc.message)
            else:
                local = timezone.localtime(booking.start, supplier_time_zone(booking.supplier))
                messages.success(
                    request,
                    _("Booking %(ref)s is made for %(when)s (%(resource)s).")
                    % {
                        "ref": booking.reference,
                        "when": local.strftime("%d.%m.%Y %H:%M"),
                        "resource": booking.resource.name,
                    },
                )
                return redirect("admin:bookings_booking_change", booking.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Book by phone"),
            "opts": self.opts,
            "form": form,
        }
        return TemplateResponse(request, "admin/bookings/booking/phone.html", context)

    def cancel_reason_view(
        self, request: HttpRequest, queryset: QuerySet[Booking]
    ) -> HttpResponse | None:
        """Intermediate page of the cancel action: ask for the reason, then cancel."""
        form = CancelReasonForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            cancelled = 0
            for booking in queryset.order_by("pk"):
                try:
                    services.booking_cancel(
                        booking=booking,
                        by_user=request.user,
                        by_supplier=True,
                        reason=form.cleaned_data["reason"],
                    )
                except BookingError as exc:
                    messages.error(request, f"{booking.reference}: {exc.message}")
                else:
                    cancelled += 1
            if cancelled:
                messages.success(request, _("Cancelled: %(count)d") % {"count": cancelled})
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Cancel bookings"),
            "opts": self.opts,
            "form": form,
            "bookings": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/bookings/booking/cancel_reason.html", context)

    def move_booking_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Move one booking to another time and/or resource (the staff side of reschedule)."""
        # get_object goes through the scoped queryset: another supplier's booking is a 404.
        booking = self.get_object(request, unquote(object_id))
        if not self.has_change_permission(request, booking):
            raise PermissionDenied
        change_url = reverse("admin:bookings_booking_change", args=[booking.pk])
        if booking.status not in Booking.BLOCKING_STATUSES:
            messages.error(request, _("Only pending or confirmed bookings can be moved."))
            return redirect(change_url)
        resources = move_resources_for(request, booking)
        # "Show free times" posts the date and resource only to list that day's times again.
        listing_only = request.method == "GET" or "_show" in request.POST
        form = MoveBookingForm(
            None if listing_only else request.POST,
            listing=request.GET if request.method == "GET" else request.POST,
            booking=booking,
            resources=resources,
            free_starts=_free_starts_for(booking),
        )
        if not listing_only and form.is_valid():
            try:
                # The booking is already scoped to this user, so they act for the supplier:
                # the customer's change deadline and minimum notice do not apply.
                moved = services.booking_reschedule(
                    booking=booking,
                    start=form.cleaned_data["start"],
                    resource=form.cleaned_data["resource"],
                    by_user=request.user,
                    by_supplier=True,
                )
            except SlotUnavailable as exc:
                form.add_error(
                    NON_FIELD_ERRORS,
                    ValidationError(_("That time is no longer free."), code=exc.code),
                )
            except BookingError as exc:
                form.add_error(NON_FIELD_ERRORS, ValidationError(exc.message, code=exc.code))
            else:
                local = timezone.localtime(moved.start, form.tz)
                messages.success(
                    request,
                    _("Booking %(ref)s is moved to %(when)s (%(resource)s).")
                    % {
                        "ref": moved.reference,
                        "when": local.strftime("%d.%m.%Y %H:%M"),
                        "resource": moved.resource.name,
                    },
                )
                return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Move booking %(ref)s") % {"ref": booking.reference},
            "opts": self.opts,
            "original": booking,
            "booking": booking,
            "current_start": timezone.localtime(booking.start, form.tz),
            "form": form,
        }
        return TemplateResponse(request, "admin/bookings/booking/move.html", context)
