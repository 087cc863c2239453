from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from . import roles
from .models import User
from .roles import manages_accounts
from .services import phone_mark_changed

# Role groups keep their English names (the code finds them by name); people read these.
ROLE_LABELS = {
    roles.CUSTOMER: _("Customer"),
    roles.SUPPLIER_STAFF: _("Supplier staff"),
    roles.DPO: _("Data protection officer"),
    roles.ADMINISTRATOR: _("Administrator"),
}
# Django writes a permission's name once, in English, when it creates it ("Can add booking").
# The four default permissions are named again here from the model's translated name.
DEFAULT_PERMISSION_LABELS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def role_label(group: Group) -> str:
    return str(ROLE_LABELS.get(group.name, group.name))


def permission_label(permission: Permission) -> str:
    """`Bestillinger | bestilling | Kan se bestilling` in the reader's language."""
    model = permission.content_type.model_class()
    action, _separator, model_name = permission.codename.partition("_")
    name = permission.name
    default = model is not None and model_name == model._meta.model_name
    if default and action in DEFAULT_PERMISSION_LABELS:
        name = DEFAULT_PERMISSION_LABELS[action] % {"model": model._meta.verbose_name}
    return f"{permission.content_type} | {name}"


class TranslatedRoleLabels:
    """Admin mixin: role groups and permissions listed in the reader's language."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.related_model is Group:
            field.label_from_instance = role_label
        elif field is not None and db_field.related_model is Permission:
            field.label_from_instance = permission_label
        return field


# What the DPO may correct for a person (GDPR Art. 16 rectification). Roles, flags and
# passwords are not personal data to rectify: changing them is the Administrators' job.
RECTIFICATION_FIELDS = ("email", "contact_email", "full_name", "phone", "preferred_language")


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class UserRectificationAdminForm(forms.ModelForm):
    """The DPO's form: no password field (UserChangeForm's links to the password view) and
    only the rectification fields, so a crafted POST of anything else is ignored."""

    class Meta:
        model = User
        fields = RECTIFICATION_FIELDS


class RoleListFilter(admin.RelatedFieldListFilter):
    def field_choices(self, field, request, model_admin):
        return [(group.pk, role_label(group)) for group in Group.objects.order_by("name")]


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(TranslatedRoleLabels, DjangoGroupAdmin):
    list_display = ["role"]

    @admin.display(description=_("role"), ordering="name")
    def role(self, group: Group) -> str:
        return role_label(group)


@admin.register(User)
class UserAdmin(TranslatedRoleLabels, DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    ordering = ["-date_joined"]
    list_display = ["public_id", "full_name", "is_active", "is_staff", "date_joined"]
    list_filter = [
        "is_active",
        "is_staff",
        "is_superuser",
        ("groups", RoleListFilter),
        "preferred_language",
    ]
    search_fields = ["full_name", "email", "contact_email"]
    readonly_fields = [
        "public_id",
        "date_joined",
        "last_login",
        "age_confirmed_at",
        "age_confirmed_policy_version",
        "phone_verified_at",
    ]
    fieldsets = (
        (None, {"fields": ("public_id", "email", "contact_email", "password")}),
        (
            _("Personal info"),
            {
                "fields": ("full_name", "phone", "phone_verified_at", "preferred_language"),
            },
        ),
        (_("Age confirmation"), {"fields": ("age_confirmed_at", "age_confirmed_policy_version")}),
        (
            _("Permissions"),
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    rectification_fieldsets = (
        (None, {"fields": ("public_id", "email", "contact_email")}),
        (
            _("Personal info"),
            {
                "fields": ("full_name", "phone", "phone_verified_at", "preferred_language"),
            },
        ),
        (_("Age confirmation"), {"fields": ("age_confirmed_at", "age_confirmed_policy_version")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )

    def get_fieldsets(self, request: HttpRequest, obj=None):
        if obj is not None and not manages_accounts(request.user):
            return self.rectification_fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not manages_accounts(request.user):
            readonly += ["is_active", "is_staff", "is_superuser", "groups"]
        elif not request.user.is_superuser:
            # Administrators run the roles; only a superuser makes another superuser.
            readonly.append("is_superuser")
        return readonly

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        if obj is not None and not manages_accounts(request.user):
            kwargs["form"] = UserRectificationAdminForm
        return super().get_form(request, obj, change=change, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # A staff account's e-mail is its password-reset channel: a DPO who could change an
        # Administrator's address could take the account over. Staff accounts: Administrators.
        privileged = obj is not None and (obj.is_staff or obj.is_superuser)
        if privileged and not manages_accounts(request.user):
            return False
        return super().has_change_permission(request, obj)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        if not manages_accounts(request.user):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        if change and "phone" in form.changed_data:
            phone_mark_changed(obj)
        super().save_model(request, obj, form, change)
