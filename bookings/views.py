"""The customer website: suppliers, services, the day slot picker, confirm, my bookings.

Works without JavaScript: the day is a GET parameter, slots are radio buttons in a GET form
that leads to the confirm page (so a login redirect keeps the chosen slot in `next`).
static/js/booking-picker.js only switches days without a reload.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import services
from .exceptions import BookingError, InvalidBooking, SlotUnavailable
from .forms import BookingCancelForm, BookingConfirmForm, parse_slot_start
from .ical import booking_ics
from .models import Booking, Resource, Service
from .selectors import (
    booking_can_be_changed_by_customer,
    booking_cancellation_deadline,
    booking_payment_url,
    bookings_for_customer,
    cancellation_deadline_for,
    first_free_slot,
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


class BadPickerDate(ValueError):
    """A `date` or `week` parameter that is not a date (an edited or broken link)."""


def _parse_day(value: str | None) -> date | None:
    """An ISO date parameter; None when absent, BadPickerDate when not a date."""
    if not value:
        return None
    try:
        if len(value) > 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise BadPickerDate(value) from None


def _picker_context(
    request: HttpRequest,
    service: Service,
    *,
    exclude_booking_id: int | None = None,
    default_day: date | None = None,
    default_resource: Resource | None = None,
) -> dict:
    """The day picker: one local day's free start times, a strip of its week's days, and the
    first free time overall. Everything is a GET parameter, so it works without JavaScript:
    `date` picks a day; `week` (older links) picks the first day with free times in that week;
    `start` pre-selects a time; `resource` filters by staff member ("" = anyone).

    Without `date`/`week` it opens on `default_day` (rescheduling: the booking's day) or else
    on the first day with a free time. Raises BadPickerDate for a malformed date.
    """
    tz = supplier_time_zone(service.supplier)
    today = timezone.now().astimezone(tz).date()
    last_bookable = today + timedelta(days=service.booking_horizon_days)
    asked_day = _parse_day(request.GET.get("date"))
    asked_week = None
    if asked_day is None:
        try:
            asked_week = _parse_day(request.GET.get("week"))
        except BadPickerDate:  # older week links were lenient: fall back to the default
            asked_week = None
    if "resource" in request.GET:
        try:
            resource = resource_chosen_for(service, request.GET.get("resource"))
        except InvalidBooking as exc:  # a stale or edited link: show everyone, and say so
            messages.warning(request, exc.message)
            resource = None
    else:
        resource = default_resource
    first_free = first_free_slot(
        service=service, resource=resource, exclude_booking_id=exclude_booking_id
    )
    first_free_local = first_free.astimezone(tz) if first_free else None
    if asked_day is not None:
        day = asked_day
    elif asked_week is not None:
        day = asked_week - timedelta(days=asked_week.weekday())
    elif default_day is not None:
        day = default_day
    elif first_free_local is not None:
        day = first_free_local.date()
    else:
        day = today
    if asked_day is not None and asked_day > last_bookable:
        messages.info(
            request,
            _("Times can be booked at most %(days)s days ahead.")
            % {"days": service.booking_horizon_days},
        )
    day = min(max(day, today), last_bookable)
    monday = day - timedelta(days=day.weekday())
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
    if asked_week is not None and asked_day is None:
        # A week link opens on that week's first day with a free time.
        day = next((d for d in sorted(by_day) if d >= day), day)
    chosen = parse_slot_start(request.GET.get("start"))  # "First available" pre-selects it
    week_days = [monday + timedelta(days=i) for i in range(7)]
    previous_day = day - timedelta(days=1)
    next_day = day + timedelta(days=1)
    return {
        "service": service,
        "supplier": service.supplier,
        "day": day,
        "starts": list(by_day[day]),
        "chosen_start": chosen.astimezone(tz) if chosen else None,
        "week_days": [
            {
                "date": d,
                "count": len(by_day[d]),
                "selectable": today <= d <= last_bookable,
                "current": d == day,
            }
            for d in week_days
        ],
        "week": monday,
        "previous_day": previous_day if previous_day >= today else None,
        "next_day": next_day if next_day <= last_bookable else None,
        "previous_week": max(monday - timedelta(days=7), today) if monday > today else None,
        "next_week": monday + timedelta(days=7)
        if monday + timedelta(days=7) <= last_bookable
        else None,
        "first_free": first_free_local,
        "resources": service.resources.filter(is_active=True).order_by("sort_order", "name"),
        "resource": resource,
        "has_slots": bool(by_day[day]),
    }


def _picker_response(request: HttpRequest, context_for, template: str = "bookings/service.html"):
    """Render the picker; a malformed date is a 400 that says so, with a way back."""
    try:
        context = context_for()
    except BadPickerDate:
        return render(
            request,
            "bookings/bad_date.html",
            {"back_url": request.path},
            status=400,
        )
    return render(request, template, context)


def service_detail(request: HttpRequest, slug: str, service_id: int) -> HttpResponse:
    service = service_get_bookable(service_id=service_id)
    if service is None or service.supplier.slug != slug:
        raise Http404

    def context_for() -> dict:
        context = _picker_context(request, service)
        context["action"] = reverse("bookings:confirm", args=[service.pk])
        return context

    return _picker_response(request, context_for)


# The confirm page's answers kept while the customer verifies their mobile number (SMS
# reminders ticked): the notes may be personal, so they wait in the session, never in a URL.
PENDING_CONFIRM_SESSION_KEY = "bookings_confirm_pending"


def _phone_verification_url(next_url: str) -> str | None:
    """The phone verification page (notifications, above bookings: asked for by URL name, not
    imported), returning to `next_url`; None when that app is not installed."""
    try:
        return f"{reverse('notifications:phone-verify')}?{urlencode({'next': next_url})}"
    except NoReverseMatch:
        return None


def _pending_confirm(request: HttpRequest, service: Service, start: datetime) -> dict | None:
    pending = request.session.get(PENDING_CONFIRM_SESSION_KEY)
    if (
        isinstance(pending, dict)
        and pending.get("service") == service.pk
        and pending.get("start") == start.isoformat()
    ):
        return pending
    return None


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
    pending = _pending_confirm(request, service, start)
    if request.method == "POST":
        form = BookingConfirmForm(request.POST)
    elif pending:  # back from verifying the phone number: the same answers again
        form = BookingConfirmForm(
            initial={
                "notes": pending.get("notes", ""),
                "sms_notifications": True,
                "submission": pending.get("submission") or uuid.uuid4().hex,
            }
        )
    else:
        form = BookingConfirmForm()
    this_page = (
        f"{request.path}?"
        f"{urlencode({'start': start.isoformat(), 'resource': resource.pk if resource else ''})}"
    )
    if request.method == "POST" and form.is_valid():
        sms = form.cleaned_data["sms_notifications"]
        verify_url = _phone_verification_url(this_page)
        if sms and not request.user.has_verified_phone and verify_url:
            # SMS go only to a number proven by a one-time code (privacy policy): ask for it
            # now, inside the flow, and come back to this page to book.
            request.session[PENDING_CONFIRM_SESSION_KEY] = {
                "service": service.pk,
                "start": start.isoformat(),
                "notes": form.cleaned_data["notes"],
                "submission": form.cleaned_data["submission"],
            }
            messages.info(
                request,
                _(
                    "To get SMS reminders, verify your mobile number first. "
                    "Then you come back to finish the booking."
                ),
            )
            return redirect(verify_url)
        try:
            booking = services.booking_create_with_sms_choice(
                customer=request.user,
                # Without a verified number (no way to verify here) the choice is not recorded.
                sms_notifications=sms and request.user.has_verified_phone,
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
            day = start.astimezone(supplier_time_zone(service.supplier)).date()
            query = {"date": day.isoformat(), "resource": resource.pk if resource else ""}
            return redirect(f"{picker_url}?{urlencode(query)}")
        except BookingError as exc:
            form.add_error(None, exc.message)
        else:
            request.session.pop(PENDING_CONFIRM_SESSION_KEY, None)
            return redirect("bookings:booking_detail", reference=booking.reference)
    tz = supplier_time_zone(service.supplier)
    deadline = cancellation_deadline_for(supplier=service.supplier, start=start)
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
            # "Choose another time" goes back to this day, this time still selected.
            "picker_url": f"{picker_url}?"
            + urlencode(
                {
                    "date": start.astimezone(tz).date().isoformat(),
                    "start": start.astimezone(tz).isoformat(),
                    "resource": resource.pk if resource else "",
                }
            ),
            "hold_minutes": services.hold_minutes(),
            # Booked now, it could not be cancelled or moved online: say so before booking.
            "inside_deadline": timezone.now() > deadline,
            "deadline_hours": service.supplier.cancellation_deadline_hours,
            "back_from_verification": bool(pending) and request.method == "GET",
            "phone_verified": request.user.has_verified_phone,
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
    tz = supplier_time_zone(booking.supplier)

    def context_for() -> dict:
        # Opens where the booking is: its day (in its week) and its staff member.
        context = _picker_context(
            request,
            booking.service,
            exclude_booking_id=booking.pk,
            default_day=booking.start.astimezone(tz).date(),
            default_resource=booking.resource,
        )
        context.update(
            action=request.path,
            method="post",
            rescheduling=_booking_context(booking, request),
        )
        return context

    return _picker_response(request, context_for)
