"""Website forms for the booking flow (the admin's forms live in bookings/admin_forms.py)."""

from datetime import datetime

from django import forms
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _


def parse_slot_start(value: str | None) -> datetime | None:
    """An aware datetime from the picker's ISO value, or None when malformed or naive."""
    if not value or len(value) > 40:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is None or parsed.tzinfo is None:
        return None
    return parsed


class BookingConfirmForm(forms.Form):
    notes = forms.CharField(
        label=_("Message to the supplier (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Do not write health information or other sensitive details here."),
    )
    sms_notifications = forms.BooleanField(
        label=_("Send me SMS reminders about my bookings"),
        required=False,
        initial=False,
        help_text=_("Optional. You can change this at any time in the privacy centre."),
    )


class BookingCancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=500)
