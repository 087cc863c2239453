"""The supplier admin. Every class is supplier-scoped (see scoping.py); views in views.py."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.roles import sees_every_supplier, staff_supplier_id
from bookingtjeneste.money import format_nok
from bookingtjeneste.spreadsheet import csv_attachment

from .. import services
from ..exceptions import BookingError
from ..export import bookings_export
from ..models import (
    Booking,
    BusyBlock,
    DateException,
    OpeningHours,
    Resource,
    Service,
    Supplier,
    SupplierOpeningHours,
    SupplierStaff,
)
from . import feeds  # noqa: F401  (registers the calendar feed admin)
from .calendar_views import BookingCalendarViews
from .forms import BusyBlockForm, DateExceptionForm, OpeningHoursFormSet, ServiceAdminForm
from .scoping import ScopedInline, SupplierScopedAdmin
from .views import BookingAdminViews


class WeeklyHoursInline(ScopedInline):
    formset = OpeningHoursFormSet
    extra = 1
    # Django's tabular inline with `description` above it: the inheritance rule, in place.
    template = "admin/bookings/weekly_hours_inline.html"
    description = ""


class SupplierOpeningHoursInline(WeeklyHoursInline):
    model = SupplierOpeningHours
    verbose_name_plural = _("Opening hours")
    description = _(
        "Everyone without opening hours of their own follows these. Date exceptions and "
        "public holidays still apply."
    )


@admin.register(Supplier)
class SupplierAdmin(SupplierScopedAdmin):
    supplier_path = ""
    list_display = ["name", "slug", "city", "is_active"]
    search_fields = ["name", "slug"]
    inlines = [SupplierOpeningHoursInline]

    def get_prepopulated_fields(self, request: HttpRequest, obj=None):
        return {"slug": ["name"]} if sees_every_supplier(request.user) else {}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return sees_every_supplier(request.user) and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return sees_every_supplier(request.user) and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if sees_every_supplier(request.user):
            return ()
        return ("slug", "is_active")  # staff run their business; activation is ours


class OpeningHoursInline(WeeklyHoursInline):
    model = OpeningHours
    verbose_name_plural = _("Own opening hours (override the supplier's)")
    description = _(
        "Leave empty to follow the supplier's opening hours. Hours entered here replace them "
        "for the whole week: a weekday without a row is a day off."
    )


@admin.register(Resource)
class ResourceAdmin(SupplierScopedAdmin):
    list_display = ["name", "kind", "supplier", "hours_source", "is_active", "sort_order"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    inlines = [OpeningHoursInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Resource]:
        own_hours = OpeningHours.objects.filter(resource=OuterRef("pk"))
        return super().get_queryset(request).annotate(has_own_hours=Exists(own_hours))

    @admin.display(description=_("opening hours"))
    def hours_source(self, resource: Resource) -> str:
        return str(_("Own") if resource.has_own_hours else _("Follows the supplier's"))


@admin.register(Service)
class ServiceAdmin(SupplierScopedAdmin):
    form = ServiceAdminForm
    list_display = ["name", "supplier", "duration_minutes", "price_display", "payment_mode"]
    list_filter = ["payment_mode", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["resources"]

    @admin.display(description=_("price"), ordering="price_ore")
    def price_display(self, service: Service) -> str:
        return format_nok(service.price_ore)


@admin.register(DateException)
class DateExceptionAdmin(SupplierScopedAdmin):
    form = DateExceptionForm
    list_display = ["date", "resource", "is_closed", "start_time", "end_time", "reason"]
    list_filter = ["is_closed", ("resource", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "date"
    autocomplete_fields = ["resource"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.scoped_supplier_id = staff_supplier_id(request.user)
        return form


class ResourceScopedAdmin(SupplierScopedAdmin):
    supplier_path = "resource__supplier"


@admin.register(BusyBlock)
class BusyBlockAdmin(ResourceScopedAdmin):
    """Busy blocks; adding one here is the admin's "block time"."""

    form = BusyBlockForm
    list_display = ["resource", "start", "end", "source", "note"]
    list_filter = ["source", ("resource", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "start"
    autocomplete_fields = ["resource"]

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.busy_block_create(
            resource=obj.resource, start=obj.start, end=obj.end, note=obj.note, by_user=request.user
        )
        obj.pk, obj.created_at = created.pk, created.created_at
        obj._state.adding = False


@admin.register(OpeningHours)
class OpeningHoursAdmin(ResourceScopedAdmin):
    """Read-only overview across resources; hours are edited on the resource page."""

    list_display = ["resource", "weekday", "start_time", "end_time"]
    list_filter = ["weekday", ("resource", admin.RelatedOnlyFieldListFilter)]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(SupplierStaff)
class SupplierStaffAdmin(SupplierScopedAdmin):
    list_display = ["user", "supplier", "created_at"]
    raw_id_fields = ["user"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return sees_every_supplier(request.user)

    def get_exclude(self, request, obj=None):
        return []


def _run(request: HttpRequest, queryset: QuerySet[Booking], action, done: str, **kwargs) -> None:
    """Apply one service to each selected booking; report successes and refusals."""
    succeeded = 0
    for booking in queryset.order_by("pk"):
        try:
            action(booking=booking, by_user=request.user, **kwargs)
        except BookingError as exc:
            messages.error(request, f"{booking.reference}: {exc.message}")
        else:
            succeeded += 1
    if succeeded:
        messages.success(request, f"{done}: {succeeded}")


@admin.register(Booking)
class BookingAdmin(BookingCalendarViews, BookingAdminViews, SupplierScopedAdmin):
    list_display = [
        "reference",
        "local_start",
        "service",
        "resource",
        "customer_name",
        "status",
    ]
    list_filter = [
        "status",
        ("resource", admin.RelatedOnlyFieldListFilter),
        ("service", admin.RelatedOnlyFieldListFilter),
    ]
    date_hierarchy = "start"
    search_fields = [
        "reference",
        "customer__full_name",
        "customer__email",
        "customer__contact_email",
    ]
    actions = ["confirm", "cancel_with_reason", "mark_no_show", "mark_completed", "export_csv"]
    change_list_template = "admin/bookings/booking/change_list.html"
    change_form_template = "admin/bookings/booking/change_form.html"
    readonly_fields = [
        "reference",
        "supplier",
        "customer",
        "service",
        "resource",
        "start",
        "end",
        "blocked_start",
        "blocked_end",
        "status",
        "price_ore",
        "vat_rate",
        "customer_notes",
        "hold_expires_at",
        "created_by",
        "created_at",
        "confirmed_at",
        "cancelled_at",
        "cancelled_by",
        "cancellation_reason",
    ]
    exclude = ["cancelled_by_user", "language"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Booking]:
        return super().get_queryset(request).select_related("service", "resource", "customer")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # bookings are made through the slot rules: the phone booking page

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # bookings are cancelled, never deleted (history, receipts)

    @admin.display(description=_("start"), ordering="start")
    def local_start(self, booking: Booking) -> str:
        return timezone.localtime(booking.start).strftime("%d.%m.%Y %H:%M")

    @admin.display(description=_("customer"))
    def customer_name(self, booking: Booking) -> str:
        customer = booking.customer
        if customer is None:
            return "—"
        return format_html("{}<br><small>{}</small>", customer.full_name, customer.message_email)

    @admin.action(description=_("Confirm selected bookings"), permissions=["change"])
    def confirm(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        _run(request, queryset, services.booking_confirm, str(_("Confirmed")))

    @admin.action(description=_("Cancel selected bookings (with a reason)"), permissions=["change"])
    def cancel_with_reason(self, request: HttpRequest, queryset: QuerySet[Booking]):
        return self.cancel_reason_view(request, queryset)

    @admin.action(description=_("Mark as no-show"), permissions=["change"])
    def mark_no_show(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        _run(request, queryset, services.booking_mark_no_show, str(_("Marked as no-show")))

    @admin.action(description=_("Mark as completed"), permissions=["change"])
    def mark_completed(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        _run(request, queryset, services.booking_mark_completed, str(_("Marked as completed")))

    @admin.action(description=_("Export selected bookings (CSV)"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Booking]) -> HttpResponse:
        # `queryset` comes from get_queryset: another supplier's bookings are never in it.
        content = bookings_export(bookings=queryset, by_user=request.user)
        return csv_attachment(content, filename=f"bookings-{timezone.localdate():%Y-%m-%d}.csv")

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            *self.calendar_urls(),
            path(
                "calendar/",
                self.admin_site.admin_view(self.calendar_view),
                name="{}_{}_calendar".format(*info),
            ),
            path(
                "phone/",
                self.admin_site.admin_view(self.phone_booking_view),
                name="{}_{}_phone".format(*info),
            ),
            path(
                "<path:object_id>/move/",
                self.admin_site.admin_view(self.move_booking_view),
                name="{}_{}_move".format(*info),
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "calendar_url": reverse("admin:bookings_booking_calendar"),
            "phone_url": reverse("admin:bookings_booking_phone"),
            "block_url": reverse("admin:bookings_busyblock_add"),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        # The "Move booking" button, shown only while the booking can still be moved.
        extra_context = {
            **(extra_context or {}),
            "move_statuses": Booking.BLOCKING_STATUSES,
        }
        return super().change_view(request, object_id, form_url, extra_context)
