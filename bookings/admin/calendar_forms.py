"""Input of the admin calendar's JSON endpoints: the feed's range and a dragged booking.

The calendar widget speaks wall-clock time without an offset ("2026-12-07T10:00:00"); these
forms read it in the calendar's time zone (Europe/Oslo), the one the feed wrote it in.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Resource
from ..selectors import CALENDAR_MAX_DAYS

# As far as the table calendar browses (views.CALENDAR_REACH): beyond it, dates cannot be
# turned into instants (year 1, year 9999) and nobody keeps bookings there.
REACH = timedelta(days=365 * 100)


class WallClockField(forms.DateTimeField):
    """A date-time typed without an offset, read in the form's zone (an offset is honoured)."""

    def __init__(self, *, tz: ZoneInfo, **kwargs) -> None:
        self.tz = tz
        super().__init__(**kwargs)

    def to_python(self, value):
        with timezone.override(self.tz):
            result = super().to_python(value)
        if result is not None and abs(result - timezone.now()) > REACH:
            raise forms.ValidationError(_("This date is too far away."), code="out_of_reach")
        return result


class CalendarRangeForm(forms.Form):
    """`start` and `end` of the feed: end after start, at most CALENDAR_MAX_DAYS apart."""

    def __init__(self, *args, tz: ZoneInfo, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start"] = WallClockField(tz=tz)
        self.fields["end"] = WallClockField(tz=tz)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end <= start:
                raise forms.ValidationError(_("The end must be after the start."), code="order")
            if end - start > timedelta(days=CALENDAR_MAX_DAYS):
                raise forms.ValidationError(
                    _("Ask for at most %(days)d days at a time.") % {"days": CALENDAR_MAX_DAYS},
                    code="too_long",
                )
        return data


class CalendarMoveForm(forms.Form):
    """Where a booking was dropped: its new start and resource (one that performs its service).

    Only the input's shape is checked here; hours, conflicts and status are booking_reschedule's.
    """

    resource = forms.ModelChoiceField(
        queryset=Resource.objects.none(),
        error_messages={"invalid_choice": _("This resource does not perform the chosen service.")},
    )

    def __init__(self, *args, tz: ZoneInfo, resources, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start"] = WallClockField(tz=tz)
        self.fields["resource"].queryset = resources
