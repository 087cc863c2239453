"""Row locks in one fixed order, so payments, refunds and cancellations never deadlock.

The order is booking → order → payment → refund (bookings.services.booking_cancel locks the
booking first and its booking_cancelled receiver then locks the order and the payments).
"""

import functools

from django.db import connections, router

from .models import Order, Payment, Refund


def lock_payment_chain(payment_id: int) -> tuple[Order, Payment]:
    """Lock the payment's booking (if any), order and payment; call inside transaction.atomic."""
    from bookings.models import Booking

    connection = connections[router.db_for_write(Payment)]
    if connection.vendor == "postgresql":
        # One statement finds the order and locks the booking (a round trip and an ORM
        # compilation fewer per payment, a hot path when webhooks arrive in bursts).
        with connection.cursor() as cursor:
            cursor.execute(_lock_booking_sql(), [payment_id])
            row = cursor.fetchone()
        if row is None:
            raise Payment.DoesNotExist("Payment matching query does not exist.")
        order_id = row[0]
    else:
        order_id, booking_id = Payment.objects.values_list("order_id", "order__booking_id").get(
            pk=payment_id
        )
        if booking_id is not None:
            # Evaluated for the lock only: the caller re-reads the booking (bookings.services).
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


@functools.cache
def _lock_booking_sql() -> str:
    """The payment's order id, locking its booking's row (if it has a booking) on the way."""
    from bookings.models import Booking

    return (
        f"SELECT p.order_id FROM {Payment._meta.db_table} p "  # noqa: S608 (our table names)
        f"JOIN {Order._meta.db_table} o ON o.id = p.order_id "
        f"LEFT JOIN LATERAL (SELECT b.id FROM {Booking._meta.db_table} b "
        "WHERE b.id = o.booking_id FOR UPDATE) locked ON true "
        "WHERE p.id = %s"
    )


def lock_refund_chain(refund_id: int) -> tuple[Order, Payment, Refund]:
    """Lock a refund after its booking, order and payment; call inside transaction.atomic."""
    payment_id = Refund.objects.values_list("payment_id", flat=True).get(pk=refund_id)
    order, payment = lock_payment_chain(payment_id)
    return order, payment, Refund.objects.select_for_update().get(pk=refund_id)
