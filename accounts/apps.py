from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from allauth.account.signals import password_changed, password_reset, password_set
        from django.db.models.signals import post_migrate

        from . import receivers, roles

        post_migrate.connect(roles.grant_role_permissions, dispatch_uid="accounts.roles")
        for signal in (password_changed, password_reset, password_set):
            signal.connect(
                receivers.revoke_tokens_on_password_change,
                dispatch_uid=f"accounts.revoke_tokens.{id(signal)}",
            )
