"""Row locks in one fixed order, so payments, refunds and cancellations never deadlock.

The order is booking → order → payment → refund (bookings.services.booking_cancel locks the
booking first and its booking_cancelled receiver then locks the order and the payments).
"""

from .models import Order, Payment, Refund


def lock_payment_chain(payment_id: int) -> tuple[Order, Payment]:
    """Lock the payment's booking (if any), order and payment; call inside transaction.atomic."""
    from bookings.models import Booking

    order_id, booking_id = Payment.objects.values_list("order_id", "order__booking_id").get(
        pk=payment_id
    )
    if booking_id is not None:
        # Evaluated for the lock only: the caller re-reads the booking through bookings.services.
        list(Booking.objects.select_for_update().filter(pk=booking_id).values_list("pk"))
    # The order arrives with what its receipt and the customer's notice print (supplier and
    # its payment settings, booking, customer) in the same statement; only the order row
    # itself is locked.
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("supplier__payment_settings", "booking", "customer")
        .get(pk=order_id)
    )
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    payment.order = order
    return order, payment


def lock_refund_chain(refund_id: int) -> tuple[Order, Payment, Refund]:
    """Lock a refund after its booking, order and payment; call inside transaction.atomic."""
    payment_id = Refund.objects.values_list("payment_id", flat=True).get(pk=refund_id)
    order, payment = lock_payment_chain(payment_id)
    return order, payment, Refund.objects.select_for_update().get(pk=refund_id)
