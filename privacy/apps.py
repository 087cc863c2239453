from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Privacy")

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in

        from . import receivers

        user_logged_in.connect(receivers.link_consent_id_on_login, dispatch_uid="privacy.link")

        # Privacy II: the personal-data map, and Art. 18/21 flags answering "no" to consent.
        from . import admin_desk, categories, desk_tasks, selectors  # noqa: F401 (registers)
        from .request_desk import is_processing_restricted

        categories.register_all()
        admin_desk.audit_admin_views()
        if is_processing_restricted not in selectors.RESTRICTION_CHECKS:
            selectors.RESTRICTION_CHECKS.append(is_processing_restricted)
