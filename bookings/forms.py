"""Website forms for the booking flow (the admin's forms live in bookings/admin_forms.py)."""

import uuid
from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from privacy.forms import ShownWordingMixin
from privacy.selectors import purpose_wording

from .exceptions import InvalidBooking
from .services import checked_start


def parse_slot_start(value: str | None) -> datetime | None:
    """The picker's ISO value as a UTC instant; None when malformed, naive or absurd."""
    if not value or len(value) > 40:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is None or parsed.tzinfo is None:
        return None
    try:
        return checked_start(parsed, now=timezone.now())
    except InvalidBooking:
        return None  # year 1 or 9999: not a time anyone picked in the picker


class BookingConfirmForm(ShownWordingMixin, forms.Form):
    # One value per rendered page: resubmitting the same page is the same booking request.
    submission = forms.CharField(
        widget=forms.HiddenInput, initial=lambda: uuid.uuid4().hex, required=False, max_length=64
    )
    notes = forms.CharField(
        label=_("Message to the supplier (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Do not write health information or other sensitive details here."),
    )
    # Its label is the purpose's stored wording (set per request): the consent ledger row
    # points at that text, so the proof is exactly what the customer read.
    sms_notifications = forms.BooleanField(
        required=False,
        initial=False,
        help_text=_(
            "Optional. If your mobile number is not verified yet, we first send you a code by "
            "SMS. You can change this at any time in the privacy centre."
        ),
    )
    wording_purposes = ("sms_notifications",)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sms_notifications"].label = purpose_wording(
            purpose="sms_notifications", language=get_language()
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("sms_notifications"):
            self.check_shown_wording(["sms_notifications"])
        return cleaned


class BookingCancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=500)
