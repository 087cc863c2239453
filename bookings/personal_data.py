"""The bookings app's personal data, declared to privacy (discovered by PrivacyConfig.ready()):
what you booked, when, and the notes you wrote; the rules that anonymise bookings of deleted
accounts and blank old notes; and what privacy asks of bookings (activity, upcoming bookings,
the existing-customer basis for marketing, the booking count of an export)."""

import logging

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from privacy import hooks
from privacy.registry import (
    DataCategory,
    ErasureOutcome,
    FieldAction,
    Subject,
    registry,
    values_list_of_dicts,
)
from privacy.retention import RuleDefinition, in_pk_batches, retention_rule_register

from . import signals
from .exceptions import CancellationDeadlinePassed
from .models import Booking

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
    recipients = (_("Google Calendar (the supplier's calendar)"),)
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
        from .services import booking_cancel

        user = subject.user
        future = Booking.objects.filter(
            customer=user, status__in=Booking.BLOCKING_STATUSES, end__gt=timezone.now()
        ).order_by("pk")
        cancelled_ids: set[int] = set()
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
            cancelled_ids.add(booking.pk)
        # Suppliers are told (without who) while the bookings still lead to the person.
        signals.customer_bookings_erased.send(
            sender=Booking,
            bookings=list(
                Booking.objects.filter(customer=user).select_related(
                    "supplier", "service", "resource"
                )
            ),
            cancelled_ids=cancelled_ids,
        )
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
        logger.info("erasure cancelled future bookings", extra={"count": len(cancelled_ids)})
        return ErasureOutcome(anonymised=anonymised)


registry.register(BookingsCategory)


# --- Retention rules ---------------------------------------------------------------------------


def _bookings_of_deleted(cutoff, as_of, dry_run) -> int:
    queryset = Booking.objects.filter(customer__isnull=True).filter(
        ~Q(customer_notes="") | ~Q(cancellation_reason="") | ~Q(idempotency_key="")
    )
    return in_pk_batches(
        queryset,
        lambda qs: qs.update(
            customer_notes="",
            cancellation_reason="",
            idempotency_key="",
            idempotency_fingerprint="",
        ),
        dry_run,
    )


def _booking_notes(cutoff, as_of, dry_run) -> int:
    queryset = (
        Booking.objects.filter(end__lt=cutoff)
        .exclude(customer_notes="")
        .exclude(status__in=Booking.BLOCKING_STATUSES)
    )
    return in_pk_batches(queryset, lambda qs: qs.update(customer_notes=""), dry_run)


retention_rule_register(
    RuleDefinition(
        "bookings_of_deleted",
        "bookings",
        _("Bookings of deleted accounts anonymised"),
        0,
        _bookings_of_deleted,
        order=100,
    )
)
retention_rule_register(
    RuleDefinition(
        "booking_notes",
        "bookings",
        _("Notes of past bookings blanked"),
        730,
        _booking_notes,
        order=110,
    )
)


# --- What privacy asks of bookings -------------------------------------------------------------


def _spare_from_inactivity(users, as_of):
    """Nobody with something booked ahead of `as_of` is inactive, nor a supplier's staff."""
    upcoming = Booking.objects.filter(status__in=Booking.BLOCKING_STATUSES, end__gt=as_of).values(
        "customer_id"
    )
    return users.exclude(pk__in=upcoming).exclude(supplier_membership__isnull=False)


def _is_existing_customer(user, since) -> bool:
    # Marketing Act §15: a booking that went ahead (confirmed or completed) since `since`.
    return Booking.objects.filter(
        customer=user,
        start__gte=since,
        status__in=[Booking.Status.CONFIRMED, Booking.Status.COMPLETED],
    ).exists()


def _bookings_since(user, since) -> int:
    # The export's automatic categorisation: bookings not cancelled that start since `since`.
    return (
        Booking.objects.filter(customer=user, start__gte=since)
        .exclude(status=Booking.Status.CANCELLED)
        .count()
    )


# A booking made for the person (online, or by staff on the phone) is activity.
hooks.activity_sources.register(
    hooks.ActivitySource(
        rows=lambda user: Booking.objects.filter(customer=user), field="created_at"
    )
)
hooks.inactivity_exemptions.register(_spare_from_inactivity)
hooks.existing_customer_checks.register(_is_existing_customer)
hooks.booking_counts.register(_bookings_since)
