"""Admin for the DPO's desk: request queue, retention rules and sweeps, audit trail, breach
register, processor erasures, and the record of processing activities (Art. 30).

Actions stay thin: each calls one service in privacy.request_desk / privacy.retention.
"""

from datetime import date

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bookingtjeneste.admin_labels import LabelledListEditableMixin
from bookingtjeneste.spreadsheet import csv_attachment, spreadsheet_csv

from .art30 import art30_records, art30_rows
from .art30_pdf import art30_pdf_render
from .audit import audit_log
from .erasure import erasure_preview, request_subject
from .models import AuditEntry, Breach, PrivacyRequest, ProcessorErasure, RetentionRule, SweepRun
from .registry import registry
from .request_desk import (
    RequestError,
    request_approve,
    request_extend,
    request_reject,
    subject_mark_minor,
)
from .request_selectors import request_urgency
from .retention import retention_preview, retention_rule_description


def _subject_of(obj):
    """The person an admin page is about: the user, or the customer/recipient it belongs to."""
    from django.contrib.auth import get_user_model

    if isinstance(obj, get_user_model()):
        return obj.public_id
    for attribute in ("subject_public_id", "customer", "recipient", "user", "subject"):
        value = getattr(obj, attribute, None)
        if value is not None:
            return getattr(value, "public_id", value)
    return None


def audit_admin_views(site: admin.AdminSite | None = None) -> list[str]:
    """Audit every admin change page of a model in the personal-data map, whichever app
    registered it (accounts, bookings, payments, notifications...). Called from
    PrivacyConfig.ready(), after every app's admin module has been imported."""
    site = site or admin.site
    personal_models = {name.rsplit(".", 1)[0] for name in registry.covered_fields()}
    audited = []
    for model, model_admin in site._registry.items():
        if model._meta.label not in personal_models or getattr(
            model_admin, "_privacy_audited", False
        ):
            continue
        original = model_admin.change_view

        def change_view(
            request,
            object_id,
            form_url="",
            extra_context=None,
            *,
            _original=original,
            _admin=model_admin,
        ):
            obj = _admin.get_object(request, object_id)
            if obj is not None and request.method == "GET":
                audit_log(
                    action="admin.viewed", actor=request.user, subject=_subject_of(obj), obj=obj
                )
            return _original(request, object_id, form_url, extra_context)

        model_admin.change_view = change_view
        model_admin._privacy_audited = True
        audited.append(model._meta.label)
    return audited


class MinorForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of the account"))
    confirm = forms.BooleanField(
        label=_(
            "I have established that the person is under 18. The account is deactivated "
            "at once and all its data erased."
        )
    )


class ApproveForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I have checked who the person is and what will be erased and kept. Approve the "
            "request."
        )
    )


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the subject is told)"), widget=forms.Textarea(attrs={"rows": 4})
    )


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(admin.ModelAdmin):
    list_display = ("pk", "type", "status", "channel", "received_at", "due_display", "completed_at")
    list_filter = ("status", "type", "channel")
    ordering = ("due_at", "pk")
    readonly_fields = (
        "public_id",
        "type",
        "status",
        "channel",
        "subject",
        "subject_public_id",
        "contact_email",
        "details",
        "verified_at",
        "received_at",
        "due_at",
        "extended_at",
        "extension_reason",
        "decided_at",
        "decided_by",
        "decision_reason",
        "completed_at",
        "export_expires_at",
        "outcome_display",
    )
    exclude = ("outcome",)  # shown as text by outcome_display, never as raw JSON
    actions = ["approve_selected"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("due"), ordering="due_at")
    def due_display(self, obj: PrivacyRequest):
        urgency = request_urgency(obj)
        if not obj.due_at:
            return "-"
        label = {"overdue": _("OVERDUE"), "due_soon": _("due soon")}.get(urgency, "")
        return format_html(
            '<span class="desk-{}">{}{}</span>',
            urgency or "closed",
            timezone.localtime(obj.due_at).strftime("%d.%m.%Y"),
            f" — {label}" if label else "",
        )

    @admin.display(description=_("outcome"))
    def outcome_display(self, obj: PrivacyRequest):
        """The stored outcome as sentences in the DPO's language, never raw JSON."""
        from django.template.loader import render_to_string

        return render_to_string(
            "privacy/desk/_outcome.html", {"outcome": outcome_for_display(obj.outcome)}
        )

    @admin.action(description=_("Approve the selected requests"))
    def approve_selected(self, request, queryset):
        # An erasure cannot be undone: it is approved only on its own confirmation page,
        # which names the person and what is kept. One erasure selected: go there.
        erasures = list(queryset.filter(type=PrivacyRequest.Type.ERASURE).order_by("pk"))
        if len(erasures) == 1 and queryset.count() == 1:
            return HttpResponseRedirect(
                reverse("admin:privacy_privacyrequest_approve", args=[erasures[0].pk])
            )
        for erasure in erasures:
            self.message_user(
                request,
                format_html(
                    '{} <a href="{}">{}</a>',
                    _("Erasure #%(pk)d was not approved: erasures are approved one at a time.")
                    % {"pk": erasure.pk},
                    reverse("admin:privacy_privacyrequest_approve", args=[erasure.pk]),
                    _("Open its confirmation page"),
                ),
                messages.WARNING,
            )
        done = 0
        for privacy_request in queryset.exclude(type=PrivacyRequest.Type.ERASURE).order_by("pk"):
            try:
                request_approve(request=privacy_request, by=request.user)
                done += 1
            except RequestError as error:
                self.message_user(request, f"#{privacy_request.pk}: {error.detail}", messages.ERROR)
        if done:
            self.message_user(request, _("%(n)d approved.") % {"n": done}, messages.SUCCESS)

    def get_urls(self):
        return [
            path(
                "<int:pk>/approve/",
                self.admin_site.admin_view(self.approve_view),
                name="privacy_privacyrequest_approve",
            ),
            path(
                "<int:pk>/reject/",
                self.admin_site.admin_view(self.reject_view),
                name="privacy_privacyrequest_reject",
            ),
            path(
                "<int:pk>/extend/",
                self.admin_site.admin_view(self.extend_view),
                name="privacy_privacyrequest_extend",
            ),
            path(
                "mark-minor/",
                self.admin_site.admin_view(self.mark_minor_view),
                name="privacy_privacyrequest_mark_minor",
            ),
            *super().get_urls(),
        ]

    def _decision(self, request: HttpRequest, pk: int, service, title) -> HttpResponse:
        privacy_request = get_object_or_404(PrivacyRequest, pk=pk)
        if not self.has_change_permission(request, privacy_request):
            return HttpResponseRedirect(reverse("admin:index"))
        form = DecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                service(
                    request=privacy_request, by=request.user, reason=form.cleaned_data["reason"]
                )
            except RequestError as error:
                form.add_error(None, error.detail)
            else:
                self.message_user(request, _("Done."), messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:privacy_privacyrequest_change", args=[pk])
                )
        return TemplateResponse(
            request,
            "privacy/desk/admin_decision.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "form": form,
                "privacy_request": privacy_request,
                "opts": self.model._meta,
            },
        )

    def approve_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Approve one request after seeing whom it is about and, for an erasure, what is
        erased and what is kept and why."""
        privacy_request = get_object_or_404(PrivacyRequest, pk=pk)
        if not self.has_change_permission(request, privacy_request):
            return HttpResponseRedirect(reverse("admin:index"))
        form = ApproveForm(request.POST or None)
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    request_approve(request=privacy_request, by=request.user)
                except RequestError as error:
                    form.add_error(None, error.detail)
                else:
                    self.message_user(request, _("Approved."), messages.SUCCESS)
                    return HttpResponseRedirect(
                        reverse("admin:privacy_privacyrequest_change", args=[pk])
                    )
            status = 400
        subject = request_subject(privacy_request)
        preview = (
            erasure_preview(subject=subject)
            if privacy_request.type == PrivacyRequest.Type.ERASURE
            else None
        )
        return TemplateResponse(
            request,
            "privacy/desk/admin_approve.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Approve the request"),
                "form": form,
                "privacy_request": privacy_request,
                "person": _person(privacy_request, subject),
                "erase": preview["erase"] if preview else [],
                "keep": [_kept_for_display(k.as_dict()) for k in preview["keep"]]
                if preview
                else [],
                "opts": self.model._meta,
            },
            status=status,
        )

    def mark_minor_view(self, request):
        """Policy section 12: the DPO marks an account as belonging to someone under 18."""
        from django.contrib.auth import get_user_model

        if not self.has_change_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        form = MinorForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            user = get_user_model().objects.filter(email__iexact=form.cleaned_data["email"]).first()
            if user is None:
                form.add_error("email", _("No account has this e-mail address."))
            elif user.is_staff:
                form.add_error("email", _("Staff accounts are not handled here."))
            else:
                privacy_request = subject_mark_minor(user=user, by=request.user)
                self.message_user(
                    request, _("The account is deactivated and being erased."), messages.SUCCESS
                )
                return HttpResponseRedirect(
                    reverse("admin:privacy_privacyrequest_change", args=[privacy_request.pk])
                )
        return TemplateResponse(
            request,
            "privacy/desk/admin_decision.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Account of a minor"),
                "form": form,
                "opts": self.model._meta,
            },
        )

    def reject_view(self, request, pk):
        return self._decision(request, pk, request_reject, _("Reject the request"))

    def extend_view(self, request, pk):
        return self._decision(request, pk, request_extend, _("Extend by two months"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "approve_url": reverse("admin:privacy_privacyrequest_approve", args=[object_id]),
            "reject_url": reverse("admin:privacy_privacyrequest_reject", args=[object_id]),
            "extend_url": reverse("admin:privacy_privacyrequest_extend", args=[object_id]),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    change_form_template = "privacy/desk/admin_request_change.html"
    change_list_template = "privacy/desk/admin_request_changelist.html"

    class Media:
        css = {"all": ("privacy/desk-admin.css",)}


def _person(privacy_request: PrivacyRequest, subject) -> dict:
    """Who the request is about, as the DPO needs to recognise them."""
    user = subject.user
    if user is not None:
        return {
            "name": user.full_name,
            "emails": list(subject.emails),
            "phone": str(user.phone) if user.phone else "",
            "account": True,
        }
    return {
        "name": "",
        "emails": list(subject.emails) or [privacy_request.contact_email],
        "phone": "",
        "account": False,
    }


def _kept_for_display(item: dict) -> dict:
    # `what` and `reason` are stored as English msgids: shown in the reader's language.
    return {
        "what": gettext(item.get("what", "")),
        "reason": gettext(item.get("reason", "")),
        "until": date.fromisoformat(item["until"]) if item.get("until") else None,
    }


def outcome_for_display(outcome: dict) -> dict:
    """A request's stored outcome (counts, kept items, processors) ready for a template."""
    names = {category.key: category.name for category in registry.all()}
    return {
        "counts": [
            {"name": names.get(key, key), "count": count}
            for key, count in (outcome or {}).get("counts", {}).items()
            if count
        ],
        "kept": [_kept_for_display(item) for item in (outcome or {}).get("kept", [])],
        "processors": (outcome or {}).get("processors", []),
    }


def record_of_processing(request: HttpRequest) -> HttpResponse:
    """Art. 30 record: one row per data category, as a page, CSV or PDF for Datatilsynet."""
    if not request.user.has_perm("privacy.view_retentionrule"):
        return HttpResponseRedirect(reverse("admin:index"))
    records = art30_records()
    export_format = request.GET.get("format")
    if export_format == "csv":
        header, *rows = art30_rows(records)
        return csv_attachment(spreadsheet_csv(header, rows), filename="behandlingsprotokoll.csv")
    if export_format == "pdf":
        pdf = art30_pdf_render(art30_rows(records), generated_at=timezone.localtime())
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="behandlingsprotokoll.pdf"'
        return response
    return TemplateResponse(
        request,
        "privacy/desk/admin_ropa.html",
        {
            **admin.site.each_context(request),
            "title": _("Record of processing activities"),
            "records": records,
        },
    )


@admin.register(RetentionRule)
class RetentionRuleAdmin(LabelledListEditableMixin, admin.ModelAdmin):
    list_display = ("description", "category_name", "period_days", "enabled", "updated_at")
    list_display_links = ("description",)
    list_editable = ("period_days", "enabled")
    fields = ("description", "category_name", "key", "period_days", "enabled")
    readonly_fields = ("description", "category_name", "key")
    change_list_template = "privacy/desk/admin_retention_changelist.html"

    # What a rule does and which data it covers are the code's words, in the reader's language;
    # the row holds only what the DPO decides (the period, and whether the rule runs).
    @admin.display(description=_("what happens"))
    def description(self, rule: RetentionRule) -> str:
        return retention_rule_description(rule.key)

    @admin.display(description=_("data category"), ordering="category")
    def category_name(self, rule: RetentionRule) -> str:
        try:
            return str(registry.get(rule.category).name) or rule.category
        except KeyError:  # a category without a registry entry of its own (login sessions)
            return rule.category

    def list_editable_row_name(self, rule: RetentionRule) -> str:
        return retention_rule_description(rule.key)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        # The Art. 30 record is not a model; it lives next to the retention rules.
        return [
            path(
                "record-of-processing/",
                self.admin_site.admin_view(record_of_processing),
                name="privacy_record_of_processing",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        # "What the next sweep will do": the same rules in dry-run mode, as of now.
        preview = [
            (retention_rule_description(key), count) for key, count in retention_preview().items()
        ]
        extra_context = {**(extra_context or {}), "preview": preview}
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_log(
            action="retention.rule_changed",
            actor=request.user,
            obj=obj,
            details={"period_days": obj.period_days, "enabled": obj.enabled},
        )


@admin.register(SweepRun)
class SweepRunAdmin(admin.ModelAdmin):
    list_display = ("started_at", "finished_at", "as_of", "dry_run", "counts")
    readonly_fields = ("started_at", "finished_at", "as_of", "dry_run", "counts")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "created_at",
        "action",
        "actor_public_id",
        "subject_public_id",
        "object_type",
        "object_id",
    )
    list_filter = ("action",)
    search_fields = ("=subject_public_id", "=actor_public_id")
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Breach)
class BreachAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "discovered_at",
        "deadline_display",
        "authority_notified_at",
        "subjects_affected",
    )
    readonly_fields = ("deadline_display",)

    class Media:
        css = {"all": ("privacy/desk-admin.css",)}

    @admin.display(description=_("72-hour notification deadline"))
    def deadline_display(self, obj: Breach):
        if obj is None or obj.discovered_at is None:
            return "-"
        deadline = timezone.localtime(obj.notification_deadline).strftime("%d.%m.%Y %H:%M")
        if obj.authority_notified_at:
            return format_html('<span class="desk-ok">{} ✓</span>', deadline)
        css = "desk-overdue" if obj.is_overdue else "desk-due_soon"
        return format_html('<span class="{}">{}</span>', css, deadline)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_log(
            action="breach.recorded" if not change else "breach.updated",
            actor=request.user,
            obj=obj,
        )


@admin.register(ProcessorErasure)
class ProcessorErasureAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "processor",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "completed_at",
    )
    list_filter = ("processor", "status")
    readonly_fields = (
        "request",
        "subject_public_id",
        "processor",
        "status",
        "attempts",
        "last_error",
        "result",
        "created_at",
        "completed_at",
    )
    exclude = ("target",)
    actions = ["retry_selected"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Try the selected again"))
    def retry_selected(self, request, queryset):
        from .propagation import processor_erasures_retry

        ids = processor_erasures_retry(
            propagation_ids=list(queryset.values_list("pk", flat=True)), actor=request.user
        )
        self.message_user(request, _("%(count)d queued again.") % {"count": len(ids)})
