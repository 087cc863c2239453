"""Periodic booking work (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from .services import booking_expire_holds


@shared_task(name="bookings.tasks.expire_payment_holds", ignore_result=True)
def expire_payment_holds() -> int:
    """Release every pending_payment booking whose hold has expired. Idempotent, no arguments."""
    return booking_expire_holds()
