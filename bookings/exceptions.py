"""Booking errors. Each carries a stable `code` the API and the website turn into 4xx answers."""

from django.utils.translation import gettext_lazy as _


class BookingError(Exception):
    """Base class: a booking rule said no. Nothing was written."""

    code = "booking_error"
    default_message = _("The booking could not be made.")

    def __init__(self, message: object = None, *, code: str | None = None) -> None:
        self.message = message or self.default_message
        if code:
            self.code = code
        super().__init__(str(self.message))


class InvalidBooking(BookingError):
    """Bad input: an inactive service, a time outside opening hours, too short notice, …"""

    code = "invalid_booking"


class SlotUnavailable(BookingError):
    """The time is taken (another booking or a busy block): 409 slot_unavailable."""

    code = "slot_unavailable"
    default_message = _("This time is no longer available. Please choose another time.")


class CancellationDeadlinePassed(BookingError):
    code = "cancellation_deadline_passed"
    default_message = _("The cancellation deadline has passed. Please contact the supplier.")


class InvalidStatusTransition(BookingError):
    code = "invalid_status"
    default_message = _("The booking cannot be changed in its current state.")


class IdempotencyKeyReused(BookingError):
    """The same Idempotency-Key was sent earlier with a different request body."""

    code = "idempotency_key_reused"
    default_message = _("This Idempotency-Key was already used for a different request.")
