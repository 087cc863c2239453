"""Calendar feeds in the admin: staff make and revoke subscription URLs for their own supplier."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.roles import sees_every_supplier, staff_supplier_id

from ..feeds import calendar_feed_create, calendar_feeds_revoke
from ..models import CalendarFeedToken, Supplier
from .scoping import SupplierScopedAdmin


@admin.register(CalendarFeedToken)
class CalendarFeedTokenAdmin(SupplierScopedAdmin):
    list_display = ["__str__", "resource", "created_at", "revoked_at"]
    list_filter = [("resource", admin.RelatedOnlyFieldListFilter)]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if obj is None:
            return []
        # A feed is never edited: it is made, then revoked (a new URL is a new feed).
        return ["supplier", "resource", "label", "created_at", "revoked_at"]

    def get_fields(self, request: HttpRequest, obj=None):
        # Staff never pick a supplier: it is always their own (see SupplierScopedAdmin).
        fields = ["resource", "label"]
        if sees_every_supplier(request.user):
            fields.insert(0, "supplier")
        if obj is not None:
            fields += ["created_at", "revoked_at"]
        return fields

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # revoked, not deleted: the list shows which URLs were handed out

    def save_model(self, request, obj, form, change) -> None:
        if change:
            return  # nothing is editable
        if sees_every_supplier(request.user):
            supplier = obj.supplier
        else:
            supplier = Supplier.objects.get(pk=staff_supplier_id(request.user))
        new = calendar_feed_create(supplier=supplier, resource=obj.resource, label=obj.label)
        # The admin goes on with `obj` (log entry, redirect): make it the saved row.
        obj.pk, obj.supplier, obj.token_hash = new.feed.pk, supplier, new.feed.token_hash
        obj.created_at = new.feed.created_at
        obj._state.adding = False
        url = request.build_absolute_uri(
            reverse("bookings:calendar_feed", kwargs={"token": new.token})
        )
        # The only time the URL is shown: only its hash is kept.
        messages.warning(
            request,
            gettext("Subscription URL (shown only now; copy it into the calendar app): %(url)s")
            % {"url": url},
        )

    @admin.action(description=_("Revoke selected calendar feeds"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[CalendarFeedToken]) -> None:
        # `queryset` is scoped: another supplier's feeds are never in it.
        count = calendar_feeds_revoke(feeds=queryset)
        messages.success(request, gettext("Revoked: %(count)d") % {"count": count})
