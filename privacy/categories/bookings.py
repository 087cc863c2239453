"""Bookings: what you booked, when, and the notes you wrote."""

import logging

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..registry import DataCategory, ErasureOutcome, FieldAction, Subject, values_list_of_dicts

logger = logging.getLogger(__name__)
A, K = FieldAction.ANONYMISE, FieldAction.KEEP


class BookingsCategory(DataCategory):
    key = "bookings"
    name = _("Bookings")
    purpose = _("Delivering the services you book; the supplier's appointment book")
    legal_basis = _("Contract (GDPR Art. 6(1)(b))")
    retention = _(
        "Anonymised at once when the account is deleted; free-text notes of completed bookings "
        "blanked after 2 years"
    )
    recipients = ("Google Calendar (the supplier's calendar)",)
    order = 20  # before messages: cancelling sends messages that the outbox category removes
    fields = {
        "bookings.Booking.customer": A,
        "bookings.Booking.customer_notes": A,
        "bookings.Booking.cancellation_reason": A,
        "bookings.Booking.idempotency_key": A,
        "bookings.Booking.idempotency_fingerprint": A,
        "bookings.Booking.created_by": A,
        "bookings.Booking.cancelled_by_user": A,
        "bookings.Booking.reference": K,
    }

    def export(self, subject: Subject) -> list:
        if subject.user is None:
            return []
        from bookings.models import Booking

        return values_list_of_dicts(
            Booking.objects.filter(customer=subject.user).order_by("start", "pk"),
            [
                "reference",
                "supplier__name",
                "service__name",
                "resource__name",
                "start",
                "end",
                "status",
                "price_ore",
                "customer_notes",
                "language",
                "created_at",
                "confirmed_at",
                "cancelled_at",
                "cancelled_by",
                "cancellation_reason",
            ],
        )

    def erase(self, subject: Subject) -> ErasureOutcome:
        if subject.user is None:
            return ErasureOutcome()
        from bookings.exceptions import CancellationDeadlinePassed
        from bookings.models import Booking
        from bookings.services import booking_cancel

        user = subject.user
        future = Booking.objects.filter(
            customer=user, status__in=Booking.BLOCKING_STATUSES, end__gt=timezone.now()
        ).order_by("pk")
        cancelled = 0
        # One service call per FUTURE booking (few): refunds and messages follow the normal
        # path. Past the customer's deadline the cancellation is made on the supplier's side,
        # because a booking cannot stay in the book for a person who no longer exists.
        for booking in future:
            try:
                booking_cancel(
                    booking=booking, by_user=user, by_supplier=False, reason="privacy erasure"
                )
            except CancellationDeadlinePassed:
                booking_cancel(
                    booking=booking, by_user=None, by_supplier=True, reason="privacy erasure"
                )
            cancelled += 1
        anonymised = Booking.objects.filter(customer=user).update(
            customer_notes="",
            cancellation_reason="",
            idempotency_key="",
            idempotency_fingerprint="",
            updated_at=timezone.now(),
        )
        # Staff references to the person (as creator/canceller of other people's bookings).
        Booking.objects.filter(Q(created_by=user) | Q(cancelled_by_user=user)).update(
            created_by=None, cancelled_by_user=None
        )
        # The customer link itself goes with the account (SET_NULL); the rows stay for the
        # supplier's book, without anything that points to the person.
        logger.info("erasure cancelled future bookings", extra={"count": cancelled})
        return ErasureOutcome(anonymised=anonymised)
