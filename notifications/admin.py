import re

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from phonenumber_field.phonenumber import PhoneNumber

from accounts.roles import sees_every_supplier, staff_supplier_id
from bookings.admin.scoping import SupplierScopedAdmin

from .models import InboundEvent, Message, SupplierNoticeSettings
from .services import message_retry
from .services.phone import PhoneVerificationError, phone_normalise

# More would be a mailing list; the salon can forward from one shared address instead.
MAX_NOTICE_EMAILS = 5


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


class SupplierNoticeSettingsForm(forms.ModelForm):
    """Checks and normalises the addresses: e-mails one by one, the SMS number as E.164."""

    class Meta:
        model = SupplierNoticeSettings
        fields = (
            "supplier",
            "notice_emails",
            "notice_phone",
            "on_new",
            "on_moved",
            "on_cancelled",
            "on_erased",
            "agenda_enabled",
            "agenda_hour",
            "language",
        )
        widgets = {"notice_emails": forms.Textarea(attrs={"rows": 3})}

    def clean_notice_emails(self) -> str:
        addresses = [a for a in re.split(r"[\s,;]+", self.cleaned_data["notice_emails"]) if a]
        if len(addresses) > MAX_NOTICE_EMAILS:
            raise ValidationError(
                _("At most %(max)d addresses."), code="too_many", params={"max": MAX_NOTICE_EMAILS}
            )
        invalid = []
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                invalid.append(address)
        if invalid:
            raise ValidationError(
                _("Not an e-mail address: %(addresses)s"),
                code="invalid_email",
                params={"addresses": ", ".join(invalid)},
            )
        unique = list(dict.fromkeys(address.lower() for address in addresses))
        return ", ".join(unique)

    def clean_notice_phone(self) -> str:
        raw = self.cleaned_data["notice_phone"].strip()
        if not raw:
            return ""
        try:
            phone = phone_normalise(raw)
        except PhoneVerificationError as error:
            if error.code == "not_mobile":
                raise ValidationError(
                    _("Enter a mobile number: SMS cannot go to a landline."), code="not_mobile"
                ) from None
            raise ValidationError(
                _("Enter a valid mobile number, for example 912 34 567."), code="invalid_number"
            ) from None
        if PhoneNumber.from_string(phone).country_code not in settings.PHONE_ALLOWED_COUNTRY_CODES:
            raise ValidationError(
                _("We only send SMS to mobile numbers in the allowed countries."),
                code="country_not_allowed",
            )
        return phone


@admin.register(SupplierNoticeSettings)
class SupplierNoticeSettingsAdmin(SupplierScopedAdmin):
    """Staff see and change only their own supplier's settings (bookings' scoping rule)."""

    form = SupplierNoticeSettingsForm
    list_display = ("supplier", "notice_emails", "notice_phone", "agenda_enabled", "agenda_hour")
    fieldsets = (
        (None, {"fields": ("supplier", "language")}),
        (_("Where notices go"), {"fields": ("notice_emails", "notice_phone")}),
        (_("Notify about"), {"fields": ("on_new", "on_moved", "on_cancelled", "on_erased")}),
        (_("Daily agenda"), {"fields": ("agenda_enabled", "agenda_hour")}),
    )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if sees_every_supplier(request.user):
            return fieldsets
        # Staff never pick a supplier (SupplierScopedAdmin excludes the field): it is theirs.
        first_name, first = fieldsets[0]
        fields = tuple(field for field in first["fields"] if field != "supplier")
        return ((first_name, {**first, "fields": fields}), *fieldsets[1:])

    def has_add_permission(self, request) -> bool:
        if not super().has_add_permission(request):
            return False
        supplier_id = staff_supplier_id(request.user)
        if sees_every_supplier(request.user) or supplier_id is None:
            return sees_every_supplier(request.user)
        # One row per supplier: staff whose supplier has one change it instead.
        return not SupplierNoticeSettings.objects.filter(supplier_id=supplier_id).exists()
