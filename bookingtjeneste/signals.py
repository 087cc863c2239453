"""Events one sibling app (payments | calendars | notifications) announces to another.

Siblings never import each other, so such a signal lives here, below them all: the app where
the event happens sends it inside its own transaction, and the receiving app connects to it
in its AppConfig.ready() and writes its rows in that same transaction (nothing leaves the
process before commit). Events between layers stay in the sending app (bookings.signals,
privacy.signals), which the layers above may import.
"""

from django.dispatch import Signal

# A customer notice a payment event calls for: {"template_key", "idempotency_key",
# "recipient", "language", "booking", "context"} for an e-mail (the templates are the sending
# app's), or None when there is no one to tell (an order without a customer account).

# kwargs: receipt (payments.Receipt), notice — a receipt was issued (a sale or a refund).
receipt_issued = Signal()
# kwargs: refund (payments.Refund), notice — the provider confirmed a refund: money on its way.
refund_succeeded = Signal()
# kwargs: connection (calendars.CalendarConnection), notices — a list of e-mail notices shaped
# as above without "language" and "booking", one per staff member of the calendar's supplier:
# Google stopped accepting the connection's grant, so it needs connecting again.
calendar_needs_reauth = Signal()
