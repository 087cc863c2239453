from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    name = "calendars"
    verbose_name = _("Calendar sync")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the booking event receivers)
