"""Admin for payments, scoped per supplier like bookings (superusers see everything)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from accounts.roles import supplier_scoped
from bookingtjeneste.money import format_nok
from bookingtjeneste.providers import ProviderError
from bookingtjeneste.spreadsheet import csv_attachment

from .export import receipts_csv
from .models import (
    Order,
    OrderLine,
    Payment,
    Receipt,
    Refund,
    SupplierPaymentSettings,
    WebhookEvent,
)
from .providers.registry import registry
from .selectors import payment_refundable_ore, receipts_for_period
from .services import payment_refresh, refund_create


class SupplierScopedAdmin(admin.ModelAdmin):
    supplier_field = "supplier"

    def get_queryset(self, request: HttpRequest):
        return supplier_scoped(super().get_queryset(request), request.user, self.supplier_field)


class ReadOnlyAdmin(SupplierScopedAdmin):
    """Accounting records are written by services, never edited by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SupplierPaymentSettingsForm(forms.ModelForm):
    enabled_providers = forms.MultipleChoiceField(
        label=_("Payment providers offered"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = SupplierPaymentSettings
        fields = (
            "supplier",
            "enabled_providers",
            "late_cancellation_policy",
            "late_cancellation_fee_ore",
            "vat_registered",
            "receipt_footer",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enabled_providers"].choices = registry.choices()


@admin.register(SupplierPaymentSettings)
class SupplierPaymentSettingsAdmin(SupplierScopedAdmin):
    form = SupplierPaymentSettingsForm
    list_display = ("supplier", "providers", "late_cancellation_policy", "vat_registered")

    @admin.display(description=_("providers"))
    def providers(self, obj) -> str:
        return ", ".join(obj.enabled_providers)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "supplier":
            from bookings.models import Supplier

            kwargs["queryset"] = supplier_scoped(Supplier.objects.all(), request.user, "")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = (
        "description",
        "quantity",
        "unit_price_ore",
        "vat_rate",
        "total_ore",
        "vat_ore",
    )

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    fields = (
        "provider",
        "provider_reference",
        "status",
        "amount_ore",
        "captured_ore",
        "refunded_ore",
        "created_at",
    )
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = (
        "booking_reference",
        "supplier",
        "status",
        "total",
        "due_online",
        "created_at",
        "restricted",
    )
    list_filter = ("status", "restricted")
    search_fields = ("booking_reference", "payments__provider_reference")
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, PaymentInline]
    exclude = ("customer", "customer_name", "customer_email")
    readonly_fields = (
        "booking_reference",
        "supplier",
        "booking",
        "status",
        "total_ore",
        "vat_ore",
        "due_online_ore",
        "paid_at",
        "retain_until",
        "restricted",
    )

    @admin.display(description=_("total"))
    def total(self, obj) -> str:
        return format_nok(obj.total_ore)

    @admin.display(description=_("online"))
    def due_online(self, obj) -> str:
        return format_nok(obj.due_online_ore)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    supplier_field = "order__supplier"
    # Addresses typed without a scheme are read as https (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = (
        "__str__",
        "order",
        "provider",
        "is_console",
        "status",
        "amount",
        "refunded",
        "created_at",
    )
    list_filter = ("provider", "status", "is_console")
    search_fields = (
        "provider_reference",
        "provider_secondary_reference",
        "order__booking_reference",
    )
    actions = ["refresh_from_provider"]
    exclude = ("provider_data",)

    @admin.display(description=_("amount"))
    def amount(self, obj) -> str:
        return format_nok(obj.amount_ore)

    @admin.display(description=_("refunded"))
    def refunded(self, obj) -> str:
        return format_nok(obj.refunded_ore)

    @admin.action(description=_("Refresh from provider"))
    def refresh_from_provider(self, request: HttpRequest, queryset) -> None:
        refreshed = failed = 0
        for payment in queryset.order_by("pk")[:50]:
            try:
                payment_refresh(payment=payment)
                refreshed += 1
            except ProviderError:
                failed += 1
        if refreshed:
            self.message_user(request, _("%(count)d payment(s) refreshed.") % {"count": refreshed})
        if failed:
            self.message_user(
                request,
                _("%(count)d payment(s) could not be refreshed: the provider did not answer.")
                % {"count": failed},
                level=messages.WARNING,
            )


class RefundAddForm(forms.ModelForm):
    """Partial or full refund by staff; the amount is checked by the service as well."""

    class Meta:
        model = Refund
        fields = ("payment", "amount_ore", "note")

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        payments = Payment.objects.filter(
            status__in=(Payment.Status.PAID, Payment.Status.AUTHORIZED)
        )
        if request is not None:
            payments = supplier_scoped(payments, request.user, "order__supplier")
        self.fields["payment"].queryset = payments.select_related("order")

    def clean(self):
        cleaned = super().clean()
        payment, amount = cleaned.get("payment"), cleaned.get("amount_ore")
        if payment and amount:
            refundable = payment_refundable_ore(payment=payment)
            if amount > refundable:
                raise ValidationError(
                    {
                        "amount_ore": _("At most %(amount)s can be refunded.")
                        % {"amount": format_nok(refundable)}
                    }
                )
        return cleaned


@admin.register(Refund)
class RefundAdmin(SupplierScopedAdmin):
    supplier_field = "payment__order__supplier"
    list_display = (
        "__str__",
        "payment",
        "reason",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "completed_at",
    )
    list_filter = ("status", "reason")
    search_fields = (
        "payment__provider_reference",
        "payment__order__booking_reference",
        "provider_reference",
    )
    readonly_fields = (
        "payment",
        "amount_ore",
        "reason",
        "note",
        "status",
        "provider_reference",
        "attempts",
        "last_error",
        "created_by",
        "created_at",
        "completed_at",
        "retain_until",
        "restricted",
    )

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            form = RefundAddForm

            class RequestBoundForm(form):
                def __init__(self, *args, **inner):
                    super().__init__(*args, request=request, **inner)

            return RequestBoundForm
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def get_fields(self, request, obj=None):
        return ("payment", "amount_ore", "note") if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None) -> bool:
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        if change:
            raise PermissionDenied
        refund = refund_create(
            payment=form.cleaned_data["payment"],
            amount_ore=form.cleaned_data["amount_ore"],
            reason=Refund.Reason.MANUAL,
            note=form.cleaned_data.get("note") or "",
            created_by=request.user,
        )
        obj.pk = refund.pk
        obj._state.adding = False

    def save_related(self, request, form, formsets, change) -> None:
        """Nothing related: the service wrote everything."""


class ExportPeriodForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(
        label=_("To (inclusive)"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("date_from")
            and cleaned.get("date_to")
            and cleaned["date_to"] < cleaned["date_from"]
        ):
            raise ValidationError(_("The end date is before the start date."))
        return cleaned


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ("number", "kind", "supplier", "booking_reference", "issued_at", "total", "vat")
    list_filter = ("kind", "restricted")
    search_fields = ("booking_reference", "=number")
    date_hierarchy = "issued_at"
    change_list_template = "admin/payments/receipt/change_list.html"

    @admin.display(description=_("total"))
    def total(self, obj) -> str:
        return format_nok(obj.total_ore)

    @admin.display(description=_("VAT"))
    def vat(self, obj) -> str:
        return format_nok(obj.vat_ore)

    def get_urls(self):
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="payments_receipt_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = ExportPeriodForm(request.GET or None)
        if form.is_valid():
            receipts = supplier_scoped(
                receipts_for_period(
                    date_from=form.cleaned_data["date_from"], date_to=form.cleaned_data["date_to"]
                ),
                request.user,
            ).select_related("payment", "corrects")
            filename = (
                f"receipts-{form.cleaned_data['date_from']}-{form.cleaned_data['date_to']}.csv"
            )
            return csv_attachment(receipts_csv(receipts), filename=filename)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Export receipts for a period"),
            "form": form,
            "opts": self.model._meta,
            "changelist_url": reverse("admin:payments_receipt_changelist"),
        }
        return TemplateResponse(request, "admin/payments/receipt/export.html", context)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    supplier_field = "payment__order__supplier"
    list_display = ("provider", "event_type", "event_id", "status", "received_at", "processed_at")
    list_filter = ("provider", "status")
    search_fields = ("event_id",)
