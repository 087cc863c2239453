"""The customer website: suppliers, services, the week slot picker, confirm, my bookings.

Works without JavaScript: the week is a GET parameter, slots are radio buttons in a GET form
that leads to the confirm page (so a login redirect keeps the chosen slot in `next`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import services
from .exceptions import BookingError, InvalidBooking, SlotUnavailable
from .forms import BookingCancelForm, BookingConfirmForm, parse_slot_start
from .ical import booking_ics
from .models import Booking, Service
from .selectors import (
    booking_can_be_changed_by_customer,
    booking_cancellation_deadline,
    booking_payment_url,
    bookings_for_customer,
    resource_chosen_for,
    service_get_bookable,
    services_listed,
    slots_for_service,
    supplier_get_listed,
    supplier_time_zone,
    suppliers_listed,
)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "bookings/home.html", {"suppliers": suppliers_listed()})


def supplier_detail(request: HttpRequest, slug: str) -> HttpResponse:
    supplier = supplier_get_listed(slug=slug)
    if supplier is None:
        raise Http404
    return render(
        request,
        "bookings/supplier.html",
        {"supplier": supplier, "services": services_listed(supplier=supplier)},
    )


def _week_start(value: str | None, today: date) -> date:
    try:
        day = date.fromisoformat(value) if value else today
    except ValueError:
        day = today
    day = max(day, today)
    return day - timedelta(days=day.weekday())


def _picker_context(
    request: HttpRequest, service: Service, *, exclude_booking_id: int | None = None
) -> dict:
    """The week grid: seven local days, each with the distinct free start times."""
    tz = supplier_time_zone(service.supplier)
    today = timezone.now().astimezone(tz).date()
    monday = _week_start(request.GET.get("week"), today)
    last_bookable = today + timedelta(days=service.booking_horizon_days)
    monday = min(monday, last_bookable - timedelta(days=last_bookable.weekday()))
    try:
        resource = resource_chosen_for(service, request.GET.get("resource"))
    except InvalidBooking as exc:  # a stale or edited link: show everyone, and say so
        messages.warning(request, exc.message)
        resource = None
    availability = slots_for_service(
        service=service,
        date_from=monday,
        date_to=monday + timedelta(days=6),
        resource=resource,
        exclude_booking_id=exclude_booking_id,
    )
    by_day: dict[date, dict[datetime, None]] = defaultdict(dict)
    for slot in availability.slots:
        local = slot.start.astimezone(tz)
        by_day[local.date()][local] = None  # dict keeps order and drops duplicates
    days = [
        {"date": monday + timedelta(days=i), "starts": list(by_day[monday + timedelta(days=i)])}
        for i in range(7)
    ]
    previous_week = monday - timedelta(days=7)
    return {
        "service": service,
        "supplier": service.supplier,
        "days": days,
        "week": monday,
        "previous_week": previous_week
        if monday > today - timedelta(days=today.weekday())
        else None,
        "next_week": monday + timedelta(days=7)
        if monday + timedelta(days=7) <= last_bookable
        else None,
        "resources": service.resources.filter(is_active=True).order_by("sort_order", "name"),
        "resource": resource,
        "has_slots": bool(availability.slots),
    }


def service_detail(request: HttpRequest, slug: str, service_id: int) -> HttpResponse:
    service = service_get_bookable(service_id=service_id)
    if service is None or service.supplier.slug != slug:
        raise Http404
    context = _picker_context(request, service)
    context["action"] = reverse("bookings:confirm", args=[service.pk])
    return render(request, "bookings/service.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def booking_confirm(request: HttpRequest, service_id: int) -> HttpResponse:
    service = service_get_bookable(service_id=service_id)
    if service is None:
        raise Http404
    source = request.POST if request.method == "POST" else request.GET
    start = parse_slot_start(source.get("start"))
    picker_url = reverse("bookings:service", args=[service.supplier.slug, service.pk])
    if start is None:
        messages.error(request, _("Please choose a time."))
        return redirect(picker_url)
    try:
        resource = resource_chosen_for(service, source.get("resource"))
    except InvalidBooking as exc:
        messages.error(request, exc.message)
        return redirect(picker_url)
    form = BookingConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            booking = services.booking_create_with_sms_choice(
                customer=request.user,
                sms_notifications=form.cleaned_data["sms_notifications"],
                request=request,
                service=service,
                start=start,
                resource=resource,
                notes=form.cleaned_data["notes"],
                # A second click or a resubmitted page gets the same booking, not another.
                idempotency_key=f"web-{form.cleaned_data['submission']}"
                if form.cleaned_data["submission"]
                else "",
            )
        except SlotUnavailable as exc:
            messages.error(request, exc.message)
            week = start.astimezone(supplier_time_zone(service.supplier)).date()
            return redirect(f"{picker_url}?week={week.isoformat()}")
        except BookingError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("bookings:booking_detail", reference=booking.reference)
    tz = supplier_time_zone(service.supplier)
    return render(
        request,
        "bookings/confirm.html",
        {
            "service": service,
            "supplier": service.supplier,
            "start": start.astimezone(tz),
            "end": (start + timedelta(minutes=service.duration_minutes)).astimezone(tz),
            "start_value": start.isoformat(),
            "resource": resource,
            "form": form,
            "picker_url": picker_url,
            "hold_minutes": services.hold_minutes(),
        },
    )


def _own_booking(request: HttpRequest, reference: str) -> Booking:
    return get_object_or_404(bookings_for_customer(customer=request.user), reference=reference)


def _booking_context(booking: Booking, request: HttpRequest | None = None) -> dict:
    tz = supplier_time_zone(booking.supplier)
    return {
        "booking": booking,
        "start": booking.start.astimezone(tz),
        "end": booking.end.astimezone(tz),
        "deadline": booking_cancellation_deadline(booking).astimezone(tz),
        "changeable": booking_can_be_changed_by_customer(booking),
        "payment_url": booking_payment_url(booking, request),
        "hold_expires": booking.hold_expires_at.astimezone(tz) if booking.hold_expires_at else None,
        "cancelled_at": booking.cancelled_at.astimezone(tz) if booking.cancelled_at else None,
    }


@login_required
def booking_detail(request: HttpRequest, reference: str) -> HttpResponse:
    booking = _own_booking(request, reference)
    return render(request, "bookings/booking_detail.html", _booking_context(booking, request))


@login_required
def booking_ics_download(request: HttpRequest, reference: str) -> HttpResponse:
    booking = _own_booking(request, reference)
    response = HttpResponse(booking_ics(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{booking.reference}.ics"'
    return response


@login_required
def my_bookings(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    bookings = list(bookings_for_customer(customer=request.user).order_by("start"))
    upcoming = [
        _booking_context(b, request)
        for b in bookings
        if b.end >= now and b.status in Booking.BLOCKING_STATUSES
    ]
    past = [
        _booking_context(b, request)
        for b in reversed(bookings)
        if not (b.end >= now and b.status in Booking.BLOCKING_STATUSES)
    ]
    return render(request, "bookings/my_bookings.html", {"upcoming": upcoming, "past": past})


@login_required
@require_http_methods(["GET", "POST"])
def booking_cancel(request: HttpRequest, reference: str) -> HttpResponse:
    booking = _own_booking(request, reference)
    form = BookingCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.booking_cancel(
                booking=booking,
                by_user=request.user,
                by_supplier=False,
                reason=form.cleaned_data["reason"],
            )
        except BookingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Your booking %(ref)s is cancelled.") % {"ref": booking.reference}
            )
        return redirect("bookings:my_bookings")
    return render(
        request, "bookings/cancel.html", {**_booking_context(booking, request), "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def booking_reschedule(request: HttpRequest, reference: str) -> HttpResponse:
    booking = _own_booking(request, reference)
    if request.method == "POST":
        start = parse_slot_start(request.POST.get("start"))
        if start is None:
            messages.error(request, _("Please choose a time."))
            return redirect(request.path)
        try:
            services.booking_reschedule(
                booking=booking,
                start=start,
                resource=resource_chosen_for(booking.service, request.POST.get("resource")),
                by_user=request.user,
            )
        except BookingError as exc:
            messages.error(request, exc.message)
            return redirect(request.path)
        messages.success(request, _("Your booking is moved."))
        return redirect("bookings:booking_detail", reference=booking.reference)
    context = _picker_context(request, booking.service, exclude_booking_id=booking.pk)
    context.update(
        action=request.path,
        method="post",
        rescheduling=_booking_context(booking, request),
    )
    return render(request, "bookings/service.html", context)
