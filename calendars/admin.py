"""Calendar connections and the push outbox in the admin, scoped to the staff member's supplier.

Connections are created through the connect page (OAuth), never typed in; both models are
read-only here apart from the actions. Tokens are never shown.
"""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.roles import sees_every_supplier, staff_supplier_id

from . import services
from .models import CalendarConnection, EventMirror
from .selectors import connections_visible_to, mirrors_visible_to


def _is_calendar_staff(user) -> bool:
    # Supplier staff manage their own resources' calendars; the scoped querysets below do
    # the rest, so this does not depend on a group permission being granted.
    return sees_every_supplier(user) or (
        user.is_active and user.is_staff and staff_supplier_id(user) is not None
    )


class ScopedReadOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request) -> bool:
        return _is_calendar_staff(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return _is_calendar_staff(request.user) or super().has_view_permission(request, obj)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CalendarConnection)
class CalendarConnectionAdmin(ScopedReadOnlyAdmin):
    list_display = ("resource", "supplier", "mode", "status", "last_synced_at", "last_error")
    list_filter = ("status", "mode")
    search_fields = ("resource__name",)
    fields = (
        "resource",
        "mode",
        "status",
        "calendar_id",
        "last_synced_at",
        "channel_expires_at",
        "last_error",
        "connected_at",
        "connect_link",
    )
    readonly_fields = fields
    actions = ("sync_now", "disconnect")

    def get_queryset(self, request):
        return connections_visible_to(user=request.user)

    @admin.display(description=_("supplier"), ordering="resource__supplier__name")
    def supplier(self, obj: CalendarConnection):
        return obj.resource.supplier

    @admin.display(description=_("connect again"))
    def connect_link(self, obj: CalendarConnection):
        url = reverse("calendars:connect", args=[obj.resource_id])
        return format_html('<a href="{}">{}</a>', url, _("Open the connect page"))

    @admin.action(description=_("Synchronise now"))
    def sync_now(self, request, queryset):
        for connection in queryset.filter(status=CalendarConnection.Status.ACTIVE):
            services.connection_request_sync(connection=connection)
        self.message_user(request, _("Synchronisation queued."), messages.SUCCESS)

    @admin.action(description=_("Disconnect"))
    def disconnect(self, request, queryset):
        count = 0
        for connection in queryset.exclude(status=CalendarConnection.Status.DISCONNECTED):
            services.connection_disconnect(connection=connection)
            count += 1
        self.message_user(
            request,
            ngettext("%d calendar disconnected.", "%d calendars disconnected.", count) % count,
            messages.SUCCESS,
        )


@admin.register(EventMirror)
class EventMirrorAdmin(ScopedReadOnlyAdmin):
    list_display = (
        "booking_reference",
        "resource",
        "desired",
        "state",
        "attempts",
        "next_attempt_at",
        "synced_at",
        "last_error",
    )
    list_filter = ("state", "desired")
    search_fields = ("booking_reference",)
    fields = (
        "connection",
        "booking_reference",
        "google_event_id",
        "desired",
        "state",
        "scrubbed",
        "attempts",
        "next_attempt_at",
        "synced_at",
        "last_error",
    )
    readonly_fields = fields
    actions = ("retry",)

    def get_queryset(self, request):
        return mirrors_visible_to(user=request.user)

    @admin.display(description=_("resource"), ordering="connection__resource__name")
    def resource(self, obj: EventMirror):
        return obj.connection.resource

    @admin.action(description=_("Try again now"))
    def retry(self, request, queryset):
        rows = list(queryset.exclude(state=EventMirror.State.SYNCED))
        for mirror in rows:
            services.mirror_retry(mirror=mirror)
        self.message_user(request, _("Queued again."), messages.SUCCESS)
