"""Booking events → outbox rows, written in the booking's own transaction; consent → Brevo list.

Connected in NotificationsConfig.ready(). Each receiver only writes rows (one INSERT per event);
nothing is sent before commit. Reminder rows carry their due time; a move or cancellation
suppresses the queued ones in the same transaction, so no stale reminder can go out.
"""

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from bookings.signals import (
    booking_cancelled,
    booking_confirmed,
    booking_rescheduled,
    customer_bookings_erased,
)
from bookingtjeneste.signals import calendar_needs_reauth, receipt_issued, refund_succeeded
from privacy.signals import marketing_consent_recorded

from .models import Message, SupplierNoticeSettings
from .publish import marketing_list_sync
from .services import (
    message_enqueue,
    messages_cancel_for_booking,
    messages_enqueue,
    supplier_notices,
)
from .services.supplier_notices import (
    notice_settings_forget,
    supplier_booking_notice_requests,
    supplier_erasure_notify,
)

logger = logging.getLogger(__name__)

DEFAULT_REMINDER_OFFSETS_MINUTES = (24 * 60, 2 * 60)
REMINDER_TEMPLATE = "booking_reminder"
CHANNELS = (Message.Channel.EMAIL, Message.Channel.SMS)


def _version(booking) -> str:
    """Start time plus the booking's last change: a moved-back booking gets fresh keys."""
    start = booking.start.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%MZ")
    changed = (booking.updated_at or booking.start).astimezone(ZoneInfo("UTC"))
    return f"{start}:{changed.strftime('%Y%m%dT%H%M%S%f')}"


def booking_context(booking) -> dict:
    """What every booking template gets; times are local to the supplier, as naive values."""
    zone = ZoneInfo(booking.supplier.time_zone or settings.TIME_ZONE)
    return {
        "booking": booking,
        "supplier": booking.supplier,
        "service": booking.service,
        "resource": booking.resource,
        "reference": booking.reference,
        "start_local": booking.start.astimezone(zone).replace(tzinfo=None),
        "end_local": booking.end.astimezone(zone).replace(tzinfo=None),
        "manage_url": f"{settings.SITE_URL}/my/bookings/",
    }


def reminder_offsets(supplier) -> list[int]:
    """The supplier's offsets in minutes (positive whole numbers), else 24 h and 2 h."""
    raw = supplier.reminder_offsets_minutes
    if not isinstance(raw, list | tuple):
        return list(DEFAULT_REMINDER_OFFSETS_MINUTES)
    offsets = sorted(
        {int(value) for value in raw if isinstance(value, int) and 0 < value <= 60 * 24 * 30},
        reverse=True,
    )
    return offsets


def _pair(*, booking, template_key: str, key_prefix: str, context: dict, **extra) -> list[dict]:
    """The e-mail and SMS of one booking message, as message_enqueue arguments."""
    customer = booking.customer
    return [
        {
            "template_key": template_key,
            "channel": channel,
            "idempotency_key": f"{key_prefix}:{channel}",
            "recipient": customer,
            "language": booking.language,
            "context": context,
            "booking": booking,
            "attachments": extra.get("attachments") if channel == Message.Channel.EMAIL else None,
            "due_at": extra.get("due_at"),
        }
        for channel in CHANNELS
    ]


def _reminders(*, booking, context: dict) -> list[dict]:
    """Reminder messages for each offset still in the future."""
    now = timezone.now()
    requests = []
    for offset in reminder_offsets(booking.supplier):
        due_at = booking.start - timedelta(minutes=offset)
        if due_at <= now:
            continue  # booked too late for this reminder; the confirmation covers it
        requests += _pair(
            booking=booking,
            template_key=REMINDER_TEMPLATE,
            key_prefix=f"booking:{booking.pk}:reminder:{offset}m:{_version(booking)}",
            context={**context, "offset_minutes": offset},
            due_at=due_at,
        )
    return requests


def reminders_schedule(*, booking) -> None:
    """Reminder rows for each offset still in the future (call inside the booking's transaction)."""
    messages_enqueue(_reminders(booking=booking, context=booking_context(booking)))


def _ics_attachment(booking) -> list[dict]:
    # Written when the e-mail is sent (delivery.py), not in the booking request: the same
    # writer as the download and the staff feed; SEQUENCE is the booking's own.
    return [
        {
            "name": f"{booking.reference}.ics",
            "content_type": "text/calendar; charset=utf-8; method=PUBLISH",
            "booking_ics": True,
        }
    ]


@receiver(booking_confirmed, dispatch_uid="notifications.booking_confirmed")
def on_booking_confirmed(sender, booking, **kwargs) -> None:
    # The supplier's notices go in the same INSERT as the customer's rows.
    requests = supplier_booking_notice_requests(booking=booking, event=supplier_notices.NEW)
    if booking.customer is not None:
        context = booking_context(booking)
        # Confirmation and reminders: one INSERT for all rows of the booking.
        requests = (
            _pair(
                booking=booking,
                template_key="booking_confirmation",
                key_prefix=f"booking:{booking.pk}:confirmation",
                context=context,
                attachments=_ics_attachment(booking),
            )
            + _reminders(booking=booking, context=context)
            + requests
        )
    if requests:
        messages_enqueue(requests)


@receiver(booking_cancelled, dispatch_uid="notifications.booking_cancelled")
def on_booking_cancelled(sender, booking, by_supplier=False, within_deadline=True, **kwargs):
    messages_cancel_for_booking(
        booking=booking, template_keys=(REMINDER_TEMPLATE,), reason="booking_cancelled"
    )
    # A booking that was never confirmed (an unpaid hold running out, or given up before
    # payment) was never announced to the customer or the supplier: no cancellation either.
    if booking.confirmed_at is None:
        return
    requests = supplier_booking_notice_requests(
        booking=booking, event=supplier_notices.CANCELLED, by_supplier=bool(by_supplier)
    )
    if booking.customer is not None:
        requests = (
            _pair(
                booking=booking,
                template_key="booking_cancellation",
                key_prefix=f"booking:{booking.pk}:cancellation:{_version(booking)}",
                context={
                    **booking_context(booking),
                    "by_supplier": bool(by_supplier),
                    "within_deadline": bool(within_deadline),
                },
            )
            + requests
        )
    if requests:
        messages_enqueue(requests)


@receiver(booking_rescheduled, dispatch_uid="notifications.booking_rescheduled")
def on_booking_rescheduled(sender, booking, previous_start=None, previous_resource=None, **kw):
    messages_cancel_for_booking(
        booking=booking, template_keys=(REMINDER_TEMPLATE,), reason="booking_rescheduled"
    )
    requests = supplier_booking_notice_requests(
        booking=booking,
        event=supplier_notices.MOVED,
        previous_start=previous_start,
        previous_resource=previous_resource,
    )
    if booking.customer is not None:
        zone = ZoneInfo(booking.supplier.time_zone or settings.TIME_ZONE)
        requests = (
            _pair(
                booking=booking,
                template_key="booking_change",
                key_prefix=f"booking:{booking.pk}:change:{_version(booking)}",
                context={
                    **booking_context(booking),
                    "previous_start_local": (
                        previous_start.astimezone(zone).replace(tzinfo=None)
                        if previous_start
                        else None
                    ),
                    "previous_resource": previous_resource,
                },
                attachments=_ics_attachment(booking),
            )
            + requests
        )
    if requests:
        messages_enqueue(requests)
    if booking.customer is not None and booking.status == booking.Status.CONFIRMED:
        reminders_schedule(booking=booking)


@receiver(customer_bookings_erased, dispatch_uid="notifications.customer_bookings_erased")
def on_customer_bookings_erased(sender, bookings=(), cancelled_ids=(), **kwargs) -> None:
    """Each supplier hears that a customer's data was erased, without who (same transaction)."""
    supplier_erasure_notify(bookings=bookings, cancelled_ids=cancelled_ids)


@receiver(post_save, sender=SupplierNoticeSettings, dispatch_uid="notifications.notice_saved")
@receiver(post_delete, sender=SupplierNoticeSettings, dispatch_uid="notifications.notice_gone")
def on_notice_settings_changed(sender, instance, **kwargs) -> None:
    """The next booking event reads the changed settings, not the cached ones."""
    notice_settings_forget(supplier_id=instance.supplier_id)


@receiver(marketing_consent_recorded, dispatch_uid="notifications.marketing_consent_recorded")
def on_marketing_consent_recorded(sender, event, **kwargs) -> None:
    """Mirror the choice to the Brevo marketing list once it commits (the task skips SMS ones)."""
    marketing_list_sync(event.pk)


@receiver(receipt_issued, dispatch_uid="notifications.receipt_issued")
@receiver(refund_succeeded, dispatch_uid="notifications.refund_succeeded")
def on_payment_notice(sender, notice=None, **kwargs) -> None:
    """The customer's e-mail about a receipt or a refund, in the payment's own transaction."""
    if notice is not None:
        message_enqueue(channel=Message.Channel.EMAIL, purpose="transactional", **notice)


@receiver(calendar_needs_reauth, dispatch_uid="notifications.calendar_needs_reauth")
def on_calendar_needs_reauth(sender, notices=(), **kwargs) -> None:
    """The supplier's staff are asked to connect a calendar again, in the same transaction."""
    for notice in notices:
        message_enqueue(channel=Message.Channel.EMAIL, **notice)
