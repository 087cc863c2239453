"""Admin forms: opening hours without overlaps, date exceptions, phone bookings, block time."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from itertools import pairwise

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from ..exceptions import InvalidBooking
from ..models import (
    MAX_PRICE_ORE,
    BusyBlock,
    DateException,
    OpeningHours,
    Resource,
    Service,
    Supplier,
)
from ..selectors import busy_block_conflicts, supplier_time_zone
from ..services import checked_start


def overlapping_pairs(intervals: list[tuple]) -> list[tuple]:
    """Pairs of (start, end, label) intervals that overlap, after sorting: O(n log n)."""
    clashes = []
    ordered = sorted(intervals, key=lambda item: item[0])
    for previous, current in pairwise(ordered):
        if current[0] < previous[1]:
            clashes.append((previous, current))
    return clashes


class OpeningHoursFormSet(BaseInlineFormSet):
    """Weekly hours (a supplier's or a resource's): intervals on one weekday must not overlap."""

    def clean(self) -> None:
        super().clean()
        by_day: dict[int, list[tuple]] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            # A closing time before the opening is the model's error (OpeningHours.clean), which
            # also leaves end_time out of cleaned_data: such a row is skipped here.
            weekday, start, end = data.get("weekday"), data.get("start_time"), data.get("end_time")
            if weekday is None or start is None or end is None:
                continue
            by_day.setdefault(weekday, []).append((start, end, form))
        for weekday, intervals in by_day.items():
            for previous, current in overlapping_pairs(intervals):
                label = OpeningHours.Weekday(weekday).label
                current[2].add_error(
                    None,
                    _("%(day)s: %(a)s–%(b)s overlaps %(c)s–%(d)s.")
                    % {
                        "day": label,
                        "a": f"{current[0]:%H:%M}",
                        "b": f"{current[1]:%H:%M}",
                        "c": f"{previous[0]:%H:%M}",
                        "d": f"{previous[1]:%H:%M}",
                    },
                )


def kroner_display(amount_ore: int) -> str:
    """Integer øre as the active language writes kroner: `1 890,00` (nb), `1,890.00` (en)."""
    thousands = formats.get_format("THOUSAND_SEPARATOR")
    decimal = formats.get_format("DECIMAL_SEPARATOR")
    sign = "-" if amount_ore < 0 else ""
    kroner, ore = divmod(abs(amount_ore), 100)
    return f"{sign}{kroner:,}".replace(",", thousands) + f"{decimal}{ore:02d}"


# After spaces and the language's thousands separator are gone: digits, one optional separator.
_AMOUNT = re.compile(r"-?\d+(?:[.,]\d*)?")


class KronerField(forms.Field):
    """An amount typed in kroner (`1 890,00`, `1890`, `1890.5`), cleaned to integer øre.

    The model keeps integer øre; only the admin form speaks kroner. Both `,` and `.` are taken
    as the decimal separator, except the language's own thousands separator (`,` in English).
    """

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    default_error_messages = {
        "invalid": _("Enter an amount in kroner, for example 1 890,00."),
        "min_value": _("The amount cannot be negative."),
        "max_decimal_places": _("Use at most two decimals (whole øre)."),
        "max_value": _("The amount can be at most %(max)s kr."),
    }

    def __init__(self, *, max_ore: int = MAX_PRICE_ORE, **kwargs) -> None:
        self.max_ore = max_ore
        super().__init__(**kwargs)

    def prepare_value(self, value):
        # Initial values come from the model as øre; typed values are shown back as typed.
        if isinstance(value, int) and not isinstance(value, bool):
            return kroner_display(value)
        return value

    def to_python(self, value) -> int | None:
        if value in self.empty_values:
            return None
        text = re.sub(r"\s", "", str(value))  # spaces, no-break and narrow no-break spaces
        thousands = formats.get_format("THOUSAND_SEPARATOR")
        if thousands.strip() and thousands != formats.get_format("DECIMAL_SEPARATOR"):
            text = text.replace(thousands, "")
        if not _AMOUNT.fullmatch(text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            kroner = Decimal(text.replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if kroner < 0:
            raise ValidationError(self.error_messages["min_value"], code="min_value")
        if (kroner * 100) % 1:  # 12,340 is fine (whole øre), 12,345 is not
            raise ValidationError(
                self.error_messages["max_decimal_places"], code="max_decimal_places"
            )
        ore = int(kroner * 100)
        if ore > self.max_ore:
            raise ValidationError(
                self.error_messages["max_value"],
                code="max_value",
                params={"max": kroner_display(self.max_ore)},
            )
        return ore


class ServiceAdminForm(forms.ModelForm):
    """Price and deposit typed and shown in kroner; stored as øre like everywhere else."""

    price_ore = KronerField(label=_("price (kr, incl. VAT)"))
    deposit_ore = KronerField(label=_("deposit (kr)"), required=False)

    class Meta:
        model = Service
        # The admin decides which fields show (and scopes them); this form only retypes two.
        fields = "__all__"  # noqa: DJ007


class DateExceptionForm(forms.ModelForm):
    class Meta:
        model = DateException
        fields = ["supplier", "resource", "date", "is_closed", "start_time", "end_time", "reason"]

    # Set by the admin for staff, who do not see the supplier field (it is always their own).
    scoped_supplier_id: int | None = None

    def clean(self):
        data = super().clean()
        supplier = data.get("supplier") or getattr(self.instance, "supplier", None)
        if supplier is None and self.scoped_supplier_id is not None:
            supplier = Supplier.objects.get(pk=self.scoped_supplier_id)
        resource = data.get("resource")
        if resource is not None and supplier is not None and resource.supplier_id != supplier.pk:
            self.add_error("resource", _("This resource belongs to another supplier."))
        if data.get("is_closed") is False and data.get("date") and supplier is not None:
            start, end = data.get("start_time"), data.get("end_time")
            if start and end:
                others = DateException.objects.filter(
                    supplier=supplier, date=data["date"], resource=resource, is_closed=False
                ).exclude(pk=self.instance.pk)
                intervals = [(row.start_time, row.end_time) for row in others]
                intervals.append((start, end))
                if overlapping_pairs(intervals):
                    raise ValidationError(_("This opening overlaps another one on that date."))
        return data


def _aware(day, clock, tz) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock), tz)


class BusyBlockForm(forms.ModelForm):
    """Block time: refuses periods that cover active bookings (cancel or move them first)."""

    class Meta:
        model = BusyBlock
        fields = ["resource", "start", "end", "note"]

    def clean(self):
        data = super().clean()
        now = timezone.now()
        for name in ("start", "end"):
            if data.get(name):
                try:  # year 1 or 9999 would overflow as soon as it meets the database
                    data[name] = checked_start(data[name], now=now)
                except InvalidBooking as exc:
                    self.add_error(name, exc.message)
        resource, start, end = data.get("resource"), data.get("start"), data.get("end")
        if resource and start and end:
            if end <= start:
                self.add_error("end", _("The end must be after the start."))
            elif busy_block_conflicts(resource=resource, start=start, end=end):
                raise ValidationError(
                    _("There are bookings in this period. Cancel or move them first.")
                )
        return data


class PhoneBookingForm(forms.Form):
    service = forms.ModelChoiceField(queryset=Service.objects.none(), label=_("Service"))
    resource = forms.ModelChoiceField(
        queryset=Resource.objects.none(),
        required=False,
        label=_("Resource"),
        help_text=_("Leave empty for anyone available."),
    )
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}))
    # Name and number are what a caller gives; the address is optional. Nothing is looked up
    # from them, so the page never shows data it did not receive.
    customer_name = forms.CharField(label=_("Customer name"), max_length=150)
    customer_phone = PhoneNumberField(label=_("Customer mobile"), region="NO")
    customer_email = forms.EmailField(
        label=_("Customer e-mail"),
        required=False,
        help_text=_("Optional: booking confirmations are sent here."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea({"rows": 3})
    )

    def __init__(self, *args, services, resources, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services
        self.fields["resource"].queryset = resources

    def clean(self):
        data = super().clean()
        service, resource = data.get("service"), data.get("resource")
        if service and resource and not service.resources.filter(pk=resource.pk).exists():
            self.add_error("resource", _("This resource does not perform the chosen service."))
        if service and data.get("date") and data.get("time"):
            data["start"] = _aware(data["date"], data["time"], supplier_time_zone(service.supplier))
        return data


class CancelReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the customer)"), max_length=500, widget=forms.Textarea({"rows": 3})
    )


class MoveBookingForm(forms.Form):
    """A booking's new time, picked from the free times of one date and resource.

    The free times come from the slot engine (`free_starts(day, resource)`, the booking itself
    left out), so the form offers only what the service would accept; a time that is not among
    them (taken meanwhile, tampered with) is a form error. `date` and `resource` choose which
    times are listed: those in the bound data (or, unbound, in `listing`: "show free times")
    when they are valid, else the booking's own.
    """

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    resource = forms.ModelChoiceField(queryset=Resource.objects.none(), label=_("Resource"))
    start = forms.ChoiceField(
        label=_("Free time"),
        error_messages={
            "invalid_choice": _("This time is not free. Choose one of the free times."),
            "required": _("Choose one of the free times."),
        },
    )

    def __init__(
        self, data=None, *, booking, resources, free_starts: Callable, listing=None, **kwargs
    ) -> None:
        self.tz = supplier_time_zone(booking.supplier)
        local = timezone.localtime(booking.start, self.tz)
        kwargs.setdefault("initial", {"date": local.date(), "resource": booking.resource})
        super().__init__(data, **kwargs)
        # A foreign or unsuitable resource id is then simply "not a valid choice".
        self.fields["resource"].queryset = resources
        self.day, self.chosen_resource = self._listed_day_and_resource(
            data if data is not None else listing
        )
        if not self.is_bound:
            self.initial.update(date=self.day, resource=self.chosen_resource)
        self.free_starts: list[datetime] = (
            free_starts(self.day, self.chosen_resource) if self.chosen_resource else []
        )
        choices = [("", _("Choose a time"))]
        for start in self.free_starts:
            label = timezone.localtime(start, self.tz).strftime("%H:%M")
            if start == booking.start and self.chosen_resource == booking.resource:
                label = _("%(time)s (the booking's time now)") % {"time": label}
            choices.append((self.start_value(start), label))
        self.fields["start"].choices = choices

    def start_value(self, start: datetime) -> str:
        """A free time as the form sends it: local time with its offset (unambiguous on the
        night the clocks go back)."""
        return timezone.localtime(start, self.tz).isoformat()

    def _listed_day_and_resource(self, source) -> tuple:
        day, resource = self.initial["date"], self.initial["resource"]
        if source is None:
            return day, resource
        for name in ("date", "resource"):
            field = self.fields[name]
            try:
                value = field.clean(field.widget.value_from_datadict(source, {}, name))
            except ValidationError:
                continue  # the field reports it; the booking's own value lists the times
            if name == "date":
                day = value
            else:
                resource = value
        return day, resource

    def clean(self):
        data = super().clean()
        if data.get("start"):
            # One of the listed free times (ChoiceField checked that): parse it back.
            data["start"] = datetime.fromisoformat(data["start"])
        return data
