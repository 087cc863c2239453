from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import InboundEvent, Message
from .services import message_retry


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "template_key",
        "channel",
        "purpose",
        "status",
        "status_reason",
        "attempts",
        "due_at",
        "sent_at",
        "created_at",
    )
    list_filter = ("status", "channel", "purpose", "template_key")
    search_fields = ("idempotency_key", "provider_message_id", "booking__reference")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    list_select_related = ("booking",)
    raw_id_fields = ("recipient", "booking")
    actions = ["retry_failed"]
    readonly_fields = [field.name for field in Message._meta.get_fields() if field.concrete]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # Viewable; changes go through actions (services), never by editing a row.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("notifications.change_message")

    @admin.action(description=_("Retry the selected failed messages"), permissions=["retry"])
    def retry_failed(self, request, queryset):
        retried = sum(1 for message in queryset if message_retry(message=message))
        skipped = queryset.count() - retried
        self.message_user(
            request,
            ngettext("%d message queued again.", "%d messages queued again.", retried) % retried,
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%d message was not failed and was left alone.",
                    "%d messages were not failed and were left alone.",
                    skipped,
                )
                % skipped,
                messages.WARNING,
            )


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ("provider", "event_type", "provider_message_id", "received_at", "processed_at")
    list_filter = ("provider", "event_type")
    search_fields = ("event_id", "provider_message_id")
    readonly_fields = [field.name for field in InboundEvent._meta.get_fields() if field.concrete]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
