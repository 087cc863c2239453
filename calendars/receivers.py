"""Booking events → EventMirror outbox rows, in the booking's own transaction.

Connected in CalendarsConfig.ready(). Only rows are written here; Google is called by
calendars.tasks after commit.
"""

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from bookings.models import Booking
from bookings.signals import booking_cancelled, booking_confirmed, booking_rescheduled

from .services import mirrors_remove_for_booking, mirrors_schedule_for_booking


@receiver(booking_confirmed, dispatch_uid="calendars.booking_confirmed")
def on_booking_confirmed(sender, booking, created: bool = False, **kwargs) -> None:
    # created: booking_create's new booking, which has no mirror rows yet (see the service).
    mirrors_schedule_for_booking(booking=booking, created=created)


@receiver(booking_rescheduled, dispatch_uid="calendars.booking_rescheduled")
def on_booking_rescheduled(sender, booking, **kwargs) -> None:
    # Patches the event in place, or moves it to the new resource's calendar.
    mirrors_schedule_for_booking(booking=booking)


@receiver(booking_cancelled, dispatch_uid="calendars.booking_cancelled")
def on_booking_cancelled(sender, booking, **kwargs) -> None:
    mirrors_remove_for_booking(booking=booking)


@receiver(pre_delete, sender=Booking, dispatch_uid="calendars.booking_pre_delete")
def on_booking_deleted(sender, instance, **kwargs) -> None:
    # The row keeps living (booking → NULL) until Google has removed the event.
    mirrors_remove_for_booking(booking=instance)
