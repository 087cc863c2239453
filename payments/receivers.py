"""Receivers of booking domain events; they only write rows in the sender's transaction."""

from django.dispatch import receiver

from bookings.signals import booking_cancelled

from .services import refunds_for_cancellation


@receiver(booking_cancelled, dispatch_uid="payments.refund_on_cancellation")
def refund_on_cancellation(sender, booking, by_supplier: bool, within_deadline: bool, **kwargs):
    refunds_for_cancellation(
        booking=booking, by_supplier=by_supplier, within_deadline=within_deadline
    )
