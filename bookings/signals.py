"""Domain events sent by bookings.services inside the transaction that changes a booking.

Receivers in other apps (notifications: outbox rows; payments: refunds) write their rows in
the same transaction, so an event and its consequences commit or roll back together.
Receivers must never call a provider directly: nothing leaves the process before commit.
"""

from django.dispatch import Signal

# kwargs: booking, created (bool, optional: True when booking_create has just inserted it)
booking_confirmed = Signal()
# kwargs: booking, by_supplier (bool), within_deadline (bool)
booking_cancelled = Signal()
# kwargs: booking, previous_start (datetime), previous_resource (Resource)
booking_rescheduled = Signal()
# kwargs: bookings (list of Booking), cancelled_ids (set of their pks) — a customer's personal
# data is being erased: `bookings` are all of theirs (still linked to them), `cancelled_ids` the
# upcoming ones the erasure cancelled. Sent inside the erasure's transaction; receivers must not
# pass the person on (the supplier is told that a booking was erased, not whose).
customer_bookings_erased = Signal()
