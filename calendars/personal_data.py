"""The calendars app's personal data, declared to privacy (discovered by PrivacyConfig.ready()):
the events we put in suppliers' Google calendars for your bookings, and how the erasure waits for
Google to have them scrubbed."""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from privacy.propagation import ProcessorRefused, ProcessorUnavailable, processor_eraser_register
from privacy.registry import (
    DataCategory,
    ErasureOutcome,
    FieldAction,
    ProcessorCall,
    Subject,
    registry,
)

from .models import EventMirror


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
        from .services.privacy import calendar_data_export_for_user

        return calendar_data_export_for_user(user=subject.user)

    def processor_calls(self, subject: Subject) -> list[ProcessorCall]:
        if subject.user is None:
            return []
        mirror_ids = list(
            EventMirror.objects.filter(booking__customer=subject.user).values_list("pk", flat=True)
        )
        return [ProcessorCall("google_calendar", {"mirror_ids": mirror_ids})] if mirror_ids else []

    def erase(self, subject: Subject) -> ErasureOutcome:
        if subject.user is None:
            return ErasureOutcome()
        from .services.privacy import calendar_events_scrub_for_user

        return ErasureOutcome(anonymised=calendar_events_scrub_for_user(user=subject.user))


registry.register(CalendarMirrorsCategory)


def _google_calendar(target: dict) -> dict:
    # The calendar outbox (services/push.py) pushes the scrub itself, tracked and retried; this
    # row waits until every mirror of the person is in sync with Google.
    mirror_ids = target.get("mirror_ids", [])
    states = list(EventMirror.objects.filter(pk__in=mirror_ids).values_list("state", flat=True))
    if any(state == EventMirror.State.FAILED for state in states):
        raise ProcessorRefused("calendar_push_failed")
    if any(state != EventMirror.State.SYNCED for state in states):
        raise ProcessorUnavailable("calendar_push_pending")
    return {"events_scrubbed": len(states)}


processor_eraser_register("google_calendar", _google_calendar)
