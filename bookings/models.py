import secrets
from decimal import Decimal
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(_("Unknown time zone."))


def default_reminder_offsets() -> list[int]:
    return [24 * 60, 2 * 60]


# Upper limits no salon or clinic reaches. Without them a typo such as 2147483647 is saved and
# later overflows timedelta in the slot engine, the booking form or the customer's list.
MAX_MINUTES_IN_A_DAY = 24 * 60
MAX_MINIMUM_NOTICE_MINUTES = 365 * 24 * 60
MAX_BOOKING_HORIZON_DAYS = 2 * 365
MAX_CANCELLATION_DEADLINE_HOURS = 365 * 24
MAX_PRICE_ORE = 99_999_999  # 999 999,99 kr
MAX_SORT_ORDER = 9999
MAX_REMINDERS = 5
MAX_REMINDER_OFFSET_MINUTES = 14 * 24 * 60


def validate_reminder_offsets(value: object) -> None:
    """A list of at most MAX_REMINDERS distinct whole minutes, each 1..14 days."""
    valid = (
        isinstance(value, list)
        and len(value) <= MAX_REMINDERS
        and all(
            # bool is an int subclass: `true` in the JSON is not 1 minute.
            type(offset) is int and 1 <= offset <= MAX_REMINDER_OFFSET_MINUTES
            for offset in value
        )
        and len(set(value)) == len(value)  # only now hashable: nested lists are refused above
    )
    if not valid:
        raise ValidationError(
            _(
                "Enter a list of at most %(count)d different numbers of minutes, each from 1 "
                "to %(max)d (14 days), for example [1440, 120]."
            ),
            code="invalid_reminder_offsets",
            params={"count": MAX_REMINDERS, "max": MAX_REMINDER_OFFSET_MINUTES},
        )


class Supplier(models.Model):
    """A business that takes bookings: a salon, a clinic, a tutor…"""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    organisation_number = models.CharField(
        _("organisation number"),
        max_length=9,
        blank=True,
        validators=[RegexValidator(r"^\d{9}$", _("Nine digits."))],
    )
    description = models.TextField(_("description"), blank=True)
    address_line = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Oslo", validators=[validate_time_zone]
    )
    cancellation_deadline_hours = models.PositiveIntegerField(
        _("cancellation deadline (hours before start)"),
        default=24,
        validators=[MaxValueValidator(MAX_CANCELLATION_DEADLINE_HOURS)],
    )
    reminder_offsets_minutes = models.JSONField(
        _("reminder offsets (minutes before start)"),
        default=default_reminder_offsets,
        validators=[validate_reminder_offsets],
    )
    # Default on: most Norwegian businesses close on public holidays; a supplier that opens
    # on one day adds a date exception, one that always opens turns this off.
    closed_on_public_holidays = models.BooleanField(
        _("closed on public holidays"),
        default=True,
        help_text=_(
            "Norwegian public holidays (Easter, 17 May, Christmas…) are closed every year. "
            "A date exception on a holiday overrides it."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")

    def __str__(self) -> str:
        return self.name


class SupplierStaff(models.Model):
    """Links a staff user to exactly one supplier; the admin scopes everything by it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="supplier_membership",
        verbose_name=_("user"),
    )
    supplier = models.ForeignKey(
        Supplier, on_delete=models.CASCADE, related_name="staff_members", verbose_name=_("supplier")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("supplier staff member")
        verbose_name_plural = _("supplier staff members")

    def __str__(self) -> str:
        return f"{self.user} @ {self.supplier}"


class Resource(models.Model):
    """Who or what performs a service: a staff member, a room, a chair."""

    class Kind(models.TextChoices):
        STAFF = "staff", _("Staff member")
        ROOM = "room", _("Room")
        EQUIPMENT = "equipment", _("Chair or equipment")

    supplier = models.ForeignKey(
        Supplier, on_delete=models.CASCADE, related_name="resources", verbose_name=_("supplier")
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.STAFF)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(
        _("order"), default=0, validators=[MaxValueValidator(MAX_SORT_ORDER)]
    )

    class Meta:
        ordering = ["supplier", "sort_order", "name"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    class PaymentMode(models.TextChoices):
        NONE = "none", _("Pay at the venue")
        FULL = "full", _("Full prepayment")
        DEPOSIT = "deposit", _("Deposit")

    supplier = models.ForeignKey(
        Supplier, on_delete=models.CASCADE, related_name="services", verbose_name=_("supplier")
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"),
        validators=[MinValueValidator(5), MaxValueValidator(MAX_MINUTES_IN_A_DAY)],
    )
    buffer_before_minutes = models.PositiveIntegerField(
        _("buffer before (minutes)"),
        default=0,
        validators=[MaxValueValidator(MAX_MINUTES_IN_A_DAY)],
    )
    buffer_after_minutes = models.PositiveIntegerField(
        _("buffer after (minutes)"),
        default=0,
        validators=[MaxValueValidator(MAX_MINUTES_IN_A_DAY)],
    )
    slot_interval_minutes = models.PositiveIntegerField(
        _("slot interval (minutes)"),
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(MAX_MINUTES_IN_A_DAY)],
    )
    minimum_notice_minutes = models.PositiveIntegerField(
        _("minimum notice (minutes)"),
        default=60,
        validators=[MaxValueValidator(MAX_MINIMUM_NOTICE_MINUTES)],
    )
    booking_horizon_days = models.PositiveIntegerField(
        _("booking horizon (days ahead)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_BOOKING_HORIZON_DAYS)],
    )
    # Money is integer øre everywhere; Decimal NOK only at the edges (API, templates).
    price_ore = models.PositiveIntegerField(
        _("price (øre, incl. VAT)"), default=0, validators=[MaxValueValidator(MAX_PRICE_ORE)]
    )
    vat_rate = models.DecimalField(
        _("VAT rate (%)"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("25.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("99.99"))],
    )
    payment_mode = models.CharField(
        _("payment"), max_length=16, choices=PaymentMode.choices, default=PaymentMode.NONE
    )
    deposit_ore = models.PositiveIntegerField(
        _("deposit (øre)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_PRICE_ORE)],
    )
    resources = models.ManyToManyField(
        Resource, related_name="services", verbose_name=_("resources")
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(
        _("order"), default=0, validators=[MaxValueValidator(MAX_SORT_ORDER)]
    )

    class Meta:
        ordering = ["supplier", "sort_order", "name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.name

    @property
    def price(self) -> Decimal:
        return Decimal(self.price_ore) / 100

    @property
    def payment_required(self) -> bool:
        return self.payment_mode != self.PaymentMode.NONE

    def clean(self) -> None:
        if self.payment_mode == self.PaymentMode.DEPOSIT:
            if not self.deposit_ore:
                raise ValidationError(
                    {"deposit_ore": _("A deposit service needs a deposit amount.")}
                )
            if self.deposit_ore > self.price_ore:
                raise ValidationError({"deposit_ore": _("The deposit cannot exceed the price.")})


class WeeklyInterval(models.Model):
    """One opening interval on a weekday, local wall-clock time; several per day make breaks."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("opens"))
    end_time = models.TimeField(_("closes"))

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="%(app_label)s_%(class)s_end_after_start",
                violation_error_message=_("Closing must be after opening."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def clean(self) -> None:
        # The same rule as the constraint, but beside the closing time: a field error also
        # keeps full_clean() from reporting the constraint a second time.
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError({"end_time": _("Closing must be after opening.")})


class SupplierOpeningHours(WeeklyInterval):
    """The salon's weekly hours: every resource without weekly hours of its own follows them."""

    supplier = models.ForeignKey(
        Supplier,
        on_delete=models.CASCADE,
        related_name="opening_hours",
        verbose_name=_("supplier"),
    )

    class Meta(WeeklyInterval.Meta):
        ordering = ["supplier", "weekday", "start_time"]
        verbose_name = _("supplier opening hours")
        verbose_name_plural = _("supplier opening hours")


class OpeningHours(WeeklyInterval):
    """A resource's own weekly hours: when it has any, they replace the supplier's hours for
    the whole week (a weekday without a row is then a day off); with none it inherits them."""

    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="opening_hours", verbose_name=_("resource")
    )

    class Meta(WeeklyInterval.Meta):
        ordering = ["resource", "weekday", "start_time"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")


class DateException(models.Model):
    """One date that differs from the weekly hours: closed, or open at other times.

    Without a resource it applies to every resource of the supplier. A date with one or more
    open intervals replaces that weekday's hours; a closed row removes the whole date.
    """

    supplier = models.ForeignKey(
        Supplier,
        on_delete=models.CASCADE,
        related_name="date_exceptions",
        verbose_name=_("supplier"),
    )
    resource = models.ForeignKey(
        Resource,
        on_delete=models.CASCADE,
        related_name="date_exceptions",
        null=True,
        blank=True,
        verbose_name=_("resource"),
        help_text=_("Leave empty to apply to all resources."),
    )
    date = models.DateField(_("date"))
    is_closed = models.BooleanField(_("closed all day"), default=True)
    start_time = models.TimeField(_("opens"), null=True, blank=True)
    end_time = models.TimeField(_("closes"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["date", "start_time"]
        verbose_name = _("date exception")
        verbose_name_plural = _("date exceptions")
        indexes = [models.Index(fields=["supplier", "date"])]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.reason}".strip()

    def clean(self) -> None:
        if self.is_closed:
            return
        if not self.start_time or not self.end_time:
            raise ValidationError(_("An opening on a date needs both times."))
        if self.end_time <= self.start_time:
            raise ValidationError({"end_time": _("Closing must be after opening.")})


class BusyBlock(models.Model):
    """Time a resource cannot be booked: blocked by the supplier or busy in Google Calendar."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Blocked in the admin")
        GOOGLE = "google", _("Google Calendar")

    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="busy_blocks", verbose_name=_("resource")
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.MANUAL
    )
    external_id = models.CharField(_("external id"), max_length=255, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start"]
        verbose_name = _("busy block")
        verbose_name_plural = _("busy blocks")
        indexes = [models.Index(fields=["resource", "start", "end"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="bookings_busyblock_end_after_start",
                violation_error_message=_("The end must be after the start."),
            ),
            models.UniqueConstraint(
                fields=["resource", "source", "external_id"],
                condition=~models.Q(external_id=""),
                name="bookings_busyblock_unique_external",
            ),
        ]

    def __str__(self) -> str:
        # In the supplier's own time: this is what the admin's messages and lists show staff.
        zone = ZoneInfo(self.resource.supplier.time_zone)
        start, end = self.start.astimezone(zone), self.end.astimezone(zone)
        return f"{self.resource}: {start:%d.%m %H:%M}–{end:%H:%M}"


def generate_booking_reference() -> str:
    # 32 unambiguous characters (no 0/O, 1/I/L), six of them: ~1e9 references.
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    return "BK-" + "".join(secrets.choice(alphabet) for _ in range(6))


class Booking(models.Model):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")
        NO_SHOW = "no_show", _("No-show")

    class CancelledBy(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        SUPPLIER = "supplier", _("Supplier")
        SYSTEM = "system", _("System")

    # Bookings in these states hold their resource's time.
    BLOCKING_STATUSES = (Status.PENDING_PAYMENT, Status.CONFIRMED)

    reference = models.CharField(
        _("reference"),
        max_length=12,
        unique=True,
        default=generate_booking_reference,
        editable=False,
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("customer"),
    )
    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("supplier")
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("service")
    )
    resource = models.ForeignKey(
        Resource, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("resource")
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    # start - buffer before .. end + buffer after: the time no other booking may touch.
    blocked_start = models.DateTimeField(_("blocked from"))
    blocked_end = models.DateTimeField(_("blocked until"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    price_ore = models.PositiveIntegerField(_("price (øre, incl. VAT)"))
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=4, decimal_places=2)
    customer_notes = models.TextField(_("customer notes"), blank=True, max_length=2000)
    language = models.CharField(_("language"), max_length=5, default="nb")
    hold_expires_at = models.DateTimeField(_("payment hold expires"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=128, blank=True, editable=False)
    idempotency_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
        help_text=_("Staff member who entered a booking made by phone."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.CharField(
        _("cancelled by"), max_length=16, choices=CancelledBy.choices, blank=True
    )
    cancelled_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by user"),
    )
    cancellation_reason = models.CharField(_("cancellation reason"), max_length=500, blank=True)
    # iCalendar SEQUENCE: grows by one with every save after creation, so a calendar that
    # already holds the event (e-mail attachment, feed) replaces it when the booking changes.
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0, editable=False)

    class Meta:
        ordering = ["-start"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        indexes = [
            # The slot engine's range scan: one resource's blocking bookings over a period.
            models.Index(
                fields=["resource", "blocked_start", "blocked_end"], name="booking_range_idx"
            ),
            models.Index(fields=["supplier", "start"]),
            models.Index(fields=["customer", "start"]),
            models.Index(fields=["status", "hold_expires_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="bookings_booking_end_after_start",
                violation_error_message=_("The end must be after the start."),
            ),
            models.CheckConstraint(
                condition=models.Q(blocked_start__lte=models.F("start"))
                & models.Q(blocked_end__gte=models.F("end")),
                name="bookings_booking_blocked_covers_booking",
                violation_error_message=_("The blocked time must cover the booking."),
            ),
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="bookings_booking_unique_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            self.sequence += 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "sequence"}
        super().save(*args, **kwargs)

    @property
    def price(self) -> Decimal:
        return Decimal(self.price_ore) / 100


class CalendarFeedToken(models.Model):
    """A private iCalendar subscription URL for a supplier, or one of its resources (staff).

    Only the SHA-256 of the secret is stored: the URL is shown once when the token is made,
    and revoking it (revoked_at) makes the URL answer 404 from then on.
    """

    supplier = models.ForeignKey(
        Supplier,
        on_delete=models.CASCADE,
        related_name="calendar_feed_tokens",
        verbose_name=_("supplier"),
    )
    resource = models.ForeignKey(
        Resource,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feed_tokens",
        verbose_name=_("resource"),
        help_text=_("Leave empty for a feed of the whole supplier."),
    )
    label = models.CharField(_("label"), max_length=100, blank=True)
    # No "created by": the admin's history records who made it, and this holds no person.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return self.label or str(self.resource or self.supplier)

    def clean(self) -> None:
        if self.resource_id and self.supplier_id and self.resource.supplier_id != self.supplier_id:
            raise ValidationError({"resource": _("Choose one of the supplier's own resources.")})
