"""Admin: policy versions (publish), purpose texts, the read-only consent ledger with consent
proof export, the processor register, contact-message copies and the Brevo sync log."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from bookingtjeneste.admin_labels import LabelledListEditableMixin

from .consent_proof import consent_proof, consent_proof_csv, subject_resolve
from .models import (
    ConsentEvent,
    ConsentSubjectLink,
    ContactMessage,
    MarketingListSync,
    PolicyVersion,
    Processor,
    PurposeText,
)
from .purposes import Purpose
from .services import consent_withdraw_for_person, policy_version_publish


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    list_display = (
        "version",
        "effective_date",
        "is_material_change",
        "published_at",
        "notification_completed_at",
    )
    readonly_fields = (
        "published_at",
        "notification_started_at",
        "notification_completed_at",
        "notified_through_user_pk",
    )
    actions = ["publish"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.published_at is not None:
            # A published text is evidence of what people were told: it never changes.
            fields += [
                "version",
                "effective_date",
                "title_nb",
                "title_en",
                "body_nb",
                "body_en",
                "is_material_change",
            ]
        return fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None or obj.published_at is None

    @admin.action(description=_("Publish (material change: e-mail every active user)"))
    def publish(self, request, queryset):
        for version in queryset:
            policy_version_publish(version=version)
        messages.success(request, _("Published."))


@admin.register(PurposeText)
class PurposeTextAdmin(admin.ModelAdmin):
    list_display = ("purpose", "version", "legal_basis", "policy_version", "created_at")
    list_filter = ("purpose",)

    def has_change_permission(self, request, obj=None) -> bool:
        # Ledger rows point at a text: a new wording is a new version, never an edit.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ProofForm(forms.Form):
    subject = forms.CharField(
        label=_("Subject"),
        help_text=_("E-mail address, user public id or anonymous consent id."),
    )
    format = forms.ChoiceField(
        choices=[("json", "JSON"), ("csv", "CSV")], initial="json", required=False
    )


class WithdrawalForm(forms.Form):
    subject = forms.CharField(
        label=_("The person's e-mail address or public id"), max_length=254, strip=True
    )
    purposes = forms.MultipleChoiceField(
        label=_("Withdraw consent to"),
        choices=Purpose.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_subject(self) -> object:
        subject = subject_resolve(query=self.cleaned_data["subject"])
        # A withdrawal is recorded for an account; a bare consent id is a browser's cookie
        # choice, which the person changes in the banner themselves.
        if subject is None or not hasattr(subject, "public_id"):
            raise forms.ValidationError(_("No account with that e-mail address or public id."))
        return subject


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "subject_type",
        "subject_id",
        "purpose",
        "granted",
        "source",
        "policy_version",
    )
    list_filter = ("purpose", "granted", "source", "subject_type")
    search_fields = ("=subject_id",)
    date_hierarchy = "created_at"
    list_select_related = ("policy_version",)
    change_list_template = "admin/privacy/consentevent/change_list.html"

    def get_urls(self):
        proof = path(
            "proof/", self.admin_site.admin_view(self.proof_view), name="privacy_consent_proof"
        )
        withdraw = path(
            "withdraw/",
            self.admin_site.admin_view(self.withdraw_view),
            name="privacy_consent_withdraw",
        )
        return [proof, withdraw, *super().get_urls()]

    def withdraw_view(self, request: HttpRequest) -> HttpResponse:
        """A withdrawal the person sent by e-mail, letter or phone, entered by the DPO: appended
        to the ledger (source "admin") like any other choice, and written to the audit trail."""
        if not request.user.has_perm("privacy.add_consentevent"):
            raise PermissionDenied
        # POST: the subject is an e-mail address, which must not sit in URLs, history or logs.
        form = WithdrawalForm(request.POST or None)
        if form.is_valid():
            consent_withdraw_for_person(
                subject=form.cleaned_data["subject"],
                purposes=form.cleaned_data["purposes"],
                actor=request.user,
            )
            messages.success(request, _("The withdrawal is recorded in the consent ledger."))
            return redirect("admin:privacy_consentevent_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Record a withdrawal of consent"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/privacy/consent_withdraw.html", context)

    def proof_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("privacy.view_consentevent"):
            raise PermissionDenied
        # POST: the subject is an e-mail address, which must not sit in URLs, history or logs.
        form = ProofForm(request.POST or None)
        if form.is_valid():
            subject = subject_resolve(query=form.cleaned_data["subject"])
            if subject is None:
                form.add_error("subject", _("No such user, and not a consent id."))
            else:
                proof = consent_proof(subject=subject)
                name = f"consent-proof-{proof['subject']['public_id']}"
                if form.cleaned_data["format"] == "csv":
                    response = HttpResponse(
                        consent_proof_csv(proof=proof), content_type="text/csv; charset=utf-8"
                    )
                    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
                else:
                    response = HttpResponse(
                        json.dumps(proof, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
                        content_type="application/json; charset=utf-8",
                    )
                    response["Content-Disposition"] = f'attachment; filename="{name}.json"'
                return response
        context = {
            **self.admin_site.each_context(request),
            "title": _("Consent proof export"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/privacy/consent_proof.html", context)


@admin.register(ConsentSubjectLink)
class ConsentSubjectLinkAdmin(ReadOnlyAdmin):
    list_display = ("consent_id", "user_public_id", "linked_at")
    search_fields = ("=consent_id", "=user_public_id")


@admin.register(Processor)
class ProcessorAdmin(LabelledListEditableMixin, admin.ModelAdmin):
    # Addresses typed without a scheme are read as https (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = (
        "name",
        "service_nb",
        "location_nb",
        "transfers_outside_eea",
        "transfer_mechanism",
        "dpa_signed_on",
        "is_active",
    )
    list_filter = ("transfers_outside_eea", "transfer_mechanism", "is_active")
    list_editable = ("dpa_signed_on", "is_active")
    search_fields = ("name", "service_nb", "service_en")


@admin.register(ContactMessage)
class ContactMessageAdmin(admin.ModelAdmin):
    list_display = ("subject", "name", "created_at")
    readonly_fields = ("name", "email", "subject", "message", "created_at")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MarketingListSync)
class MarketingListSyncAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "status", "error_code", "consent_event_id")
    list_filter = ("action", "status")
