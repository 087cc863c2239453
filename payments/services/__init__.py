"""Payment services (writes). Import from here: `from payments.services import payment_start`."""

from .orders import order_get_or_create, vat_included
from .payments import (
    PaymentNotPossible,
    payment_apply_state,
    payment_capture,
    payment_console_simulate,
    payment_refresh,
    payment_start,
)
from .privacy import payment_data_anonymise_for_user
from .receipts import receipt_issue
from .refunds import (
    refund_apply_result,
    refund_create,
    refund_poll,
    refund_send,
    refunds_for_cancellation,
)
from .webhooks import webhook_event_process, webhook_event_record

__all__ = [
    "PaymentNotPossible",
    "order_get_or_create",
    "payment_apply_state",
    "payment_capture",
    "payment_console_simulate",
    "payment_data_anonymise_for_user",
    "payment_refresh",
    "payment_start",
    "receipt_issue",
    "refund_apply_result",
    "refund_create",
    "refund_poll",
    "refund_send",
    "refunds_for_cancellation",
    "vat_included",
    "webhook_event_process",
    "webhook_event_record",
]
