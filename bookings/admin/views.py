"""Custom admin pages for bookings: the day/week calendar, phone booking, cancel with reason."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import services
from ..exceptions import BookingError
from ..models import Booking, BusyBlock, Resource, Service
from .forms import CancelReasonForm, PhoneBookingForm
from .scoping import scope_queryset


def _parse_day(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


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
                customer = services.customer_for_phone_booking(
                    email=data["customer_email"],
                    full_name=data["customer_name"],
                    phone=data["customer_phone"],
                )
                booking = services.booking_create_by_phone(
                    staff_user=request.user,
                    customer=customer,
                    service=data["service"],
                    start=data["start"],
                    resource=data["resource"],
                    notes=data["notes"],
                )
            except BookingError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("Booking %(ref)s is made.") % {"ref": booking.reference}
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
