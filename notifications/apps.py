from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from privacy.notices import notices_install

        from .notices import OutboxNotices

        # Privacy (below this app) sends its notices through this outbox.
        notices_install(OutboxNotices())

        # receivers: connects the booking and consent receivers. tasks: registers the list sync
        # under its historical name `privacy.tasks.brevo_contact_sync`, which task_publish could
        # not find through the module that name points at.
        from . import receivers, tasks  # noqa: F401
