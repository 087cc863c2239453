"""Calendar mirrors: the events we put in suppliers' Google calendars for your bookings."""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from ..registry import DataCategory, ErasureOutcome, FieldAction, ProcessorCall, Subject


class CalendarMirrorsCategory(DataCategory):
    key = "calendar_mirrors"
    name = _("Calendar events")
    purpose = _("Showing your booking in the supplier's calendar (service and reference only)")
    legal_basis = _("Contract (GDPR Art. 6(1)(b))")
    retention = _("Removed with the booking; scrubbed at once on erasure")
    recipients = ("Google Calendar (Google LLC)",)
    order = 15  # before bookings are detached from the account
    fields = {
        "calendars.EventMirror.booking_reference": FieldAction.ANONYMISE,
        "calendars.EventMirror.booking": FieldAction.KEEP,
    }

    def is_available(self) -> bool:
        return apps.is_installed("calendars")

    def export(self, subject: Subject) -> list:
        if subject.user is None:
            return []
        from calendars.services.privacy import calendar_data_export_for_user

        return calendar_data_export_for_user(user=subject.user)

    def processor_calls(self, subject: Subject) -> list[ProcessorCall]:
        if subject.user is None:
            return []
        from calendars.models import EventMirror

        mirror_ids = list(
            EventMirror.objects.filter(booking__customer=subject.user).values_list("pk", flat=True)
        )
        return [ProcessorCall("google_calendar", {"mirror_ids": mirror_ids})] if mirror_ids else []

    def erase(self, subject: Subject) -> ErasureOutcome:
        if subject.user is None:
            return ErasureOutcome()
        from calendars.services.privacy import calendar_events_scrub_for_user

        return ErasureOutcome(anonymised=calendar_events_scrub_for_user(user=subject.user))
