from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Privacy")

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in

        from . import receivers

        user_logged_in.connect(receivers.link_consent_id_on_login, dispatch_uid="privacy.link")

        from django.core import checks

        from .notices import notices_installed_check

        checks.register(notices_installed_check)

        # The personal-data map: every installed app declares its data categories, retention
        # rules, processor erasers and hooks in its personal_data.py (privacy's own included),
        # found as Django finds admin.py; privacy imports none of those apps.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("personal_data")

        # Art. 18/21 flags answering "no" to consent.
        from . import admin_desk, desk_tasks, selectors  # noqa: F401 (registers)
        from .request_desk import is_processing_restricted

        admin_desk.audit_admin_views()
        if is_processing_restricted not in selectors.RESTRICTION_CHECKS:
            selectors.RESTRICTION_CHECKS.append(is_processing_restricted)
