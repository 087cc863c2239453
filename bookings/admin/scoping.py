"""Supplier scoping for the admin: staff see and change only their own supplier's data.

Every admin class of the bookings app derives from SupplierScopedAdmin (or the inline twin),
which scopes, in one place: the changelist and object URLs (another supplier's object → 404),
foreign-key and many-to-many choices, autocomplete (it uses the target admin's queryset),
filters (RelatedOnlyFieldListFilter reads the scoped queryset) and actions (they receive the
scoped queryset). Superusers and Administrators see everything.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.db.models import Field, Model, QuerySet
from django.http import Http404, HttpRequest

from accounts.roles import sees_every_supplier, staff_supplier_id, supplier_scoped

from ..models import Resource, Service, Supplier


def scope_queryset(request: HttpRequest, queryset: QuerySet, supplier_path: str) -> QuerySet:
    """`queryset` limited to the request user's supplier (nothing without a membership)."""
    return supplier_scoped(queryset, request.user, supplier_path)


def move_resources_for(request: HttpRequest, booking) -> QuerySet[Resource]:
    """Where staff may move `booking`: its supplier's active resources that perform its service,
    scoped once more, so a foreign id is never a valid choice whatever the service's set says."""
    return scope_queryset(
        request,
        booking.service.resources.filter(is_active=True, supplier_id=booking.supplier_id),
        "supplier",
    ).order_by("sort_order", "name")


# How to reach the supplier from each model that appears as a choice in a form.
SUPPLIER_PATHS: dict[type[Model], str] = {
    Supplier: "",
    Resource: "supplier",
    Service: "supplier",
}


def _is_readable(field: Field, value: object) -> bool:
    """Whether `field` can take `value` as a lookup value (an id, for an integer key)."""
    try:
        field.run_validators(field.to_python(value))
    except ValidationError:
        return False
    return True


class ReadableValuesAutocompleteMixin:
    """Autocomplete that renders a submitted value its target field cannot read as no choice.

    Django's optgroups() filters the queryset with the raw submitted values, so "abc" for an
    integer key raised ValueError (a 500) while re-rendering the form, instead of the form
    field's own "Select a valid choice" error.
    """

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        opts = remote.model._meta
        target = opts.get_field(getattr(remote, "field_name", opts.pk.attname))
        readable = [item for item in value if _is_readable(target, item)]
        return super().optgroups(name, readable, attr)


class ReadableValuesAutocompleteSelect(ReadableValuesAutocompleteMixin, AutocompleteSelect):
    pass


class ReadableValuesAutocompleteSelectMultiple(
    ReadableValuesAutocompleteMixin, AutocompleteSelectMultiple
):
    pass


class ScopedChoicesMixin:
    """Foreign-key and many-to-many choices limited to the user's supplier.

    Autocomplete fields get the widgets above; Django builds its own only when no widget is
    given, so this is the one place that covers every scoped admin and inline.
    """

    def _scoped_choices(self, request: HttpRequest, db_field, kwargs: dict) -> None:
        model = db_field.related_model
        if model in SUPPLIER_PATHS:
            base = kwargs.get("queryset", model._default_manager.all())
            kwargs["queryset"] = scope_queryset(request, base, SUPPLIER_PATHS[model])

    def _autocomplete_widget(self, request, db_field, kwargs: dict, widget_class) -> None:
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = widget_class(db_field, self.admin_site, using=kwargs.get("using"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        self._scoped_choices(request, db_field, kwargs)
        self._autocomplete_widget(request, db_field, kwargs, ReadableValuesAutocompleteSelect)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        self._scoped_choices(request, db_field, kwargs)
        self._autocomplete_widget(
            request, db_field, kwargs, ReadableValuesAutocompleteSelectMultiple
        )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class SupplierScopedAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    """A ModelAdmin whose rows belong to a supplier reachable via `supplier_path`."""

    supplier_path = "supplier"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_queryset(request, super().get_queryset(request), self.supplier_path)

    def get_object(self, request: HttpRequest, object_id: str, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Another supplier's object (or none at all): a plain 404, not the admin's
            # "perhaps it was deleted?" redirect that would confirm nothing either way.
            raise Http404
        return obj

    def get_exclude(self, request: HttpRequest, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if self.supplier_path == "supplier" and not sees_every_supplier(request.user):
            exclude.append("supplier")  # staff never pick a supplier: it is always their own
        return exclude

    def save_model(self, request, obj, form, change) -> None:
        if (
            self.supplier_path == "supplier"
            and not change
            and not sees_every_supplier(request.user)
        ):
            obj.supplier_id = staff_supplier_id(request.user)
        super().save_model(request, obj, form, change)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) and (
            sees_every_supplier(request.user) or staff_supplier_id(request.user) is not None
        )


class ScopedInline(ScopedChoicesMixin, admin.TabularInline):
    """Inlines are reached through their scoped parent; their choices are scoped too."""
