"""Orders, payments, refunds and receipts: the accounting records of a paid booking.

Amounts are integer øre in NOK. Every accounting row carries `retain_until` (Bokføringsloven:
31 December of the fifth year after the accounting year) and `restricted`: once the customer
asks for deletion, what the law does not require is stripped and the row is kept apart from
any other processing until `retain_until` (see services.payment_data_anonymise_for_user).
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bookingtjeneste.money import format_nok

CURRENCY = "NOK"


class SupplierPaymentSettings(models.Model):
    """Which providers a supplier offers, and its late-cancellation policy."""

    class LatePolicy(models.TextChoices):
        NO_REFUND = "no_refund", _("No refund after the deadline")
        FEE = "fee", _("Refund minus a cancellation fee")

    supplier = models.OneToOneField(
        "bookings.Supplier",
        on_delete=models.CASCADE,
        related_name="payment_settings",
        verbose_name=_("supplier"),
    )
    enabled_providers = models.JSONField(
        _("payment providers offered"),
        default=list,
        blank=True,
        help_text=_("Identifiers of the providers customers may choose, in display order."),
    )
    late_cancellation_policy = models.CharField(
        _("cancellation after the deadline"),
        max_length=16,
        choices=LatePolicy.choices,
        default=LatePolicy.NO_REFUND,
    )
    late_cancellation_fee_ore = models.PositiveIntegerField(_("cancellation fee (øre)"), default=0)
    vat_registered = models.BooleanField(
        _("registered for VAT (MVA)"),
        default=True,
        help_text=_("Receipts show VAT only for suppliers in the VAT register."),
    )
    receipt_footer = models.CharField(
        _("text at the bottom of receipts"), max_length=300, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("supplier payment settings")
        verbose_name_plural = _("supplier payment settings")

    def __str__(self) -> str:
        return str(self.supplier)

    def clean(self) -> None:
        from .providers.registry import registry

        unknown = [p for p in self.enabled_providers or [] if p not in registry.identifiers()]
        if unknown:
            raise ValidationError({"enabled_providers": _("Unknown payment provider.")})
        if (
            self.late_cancellation_policy == self.LatePolicy.FEE
            and not self.late_cancellation_fee_ore
        ):
            raise ValidationError({"late_cancellation_fee_ore": _("Enter the fee.")})


class RetainedRecord(models.Model):
    """Columns every accounting record shares."""

    retain_until = models.DateField(_("keep until (Accounting Act)"), db_index=True)
    restricted = models.BooleanField(
        _("restricted"),
        default=False,
        help_text=_("The customer asked for deletion: kept only because the law requires it."),
    )

    class Meta:
        abstract = True


class Order(RetainedRecord):
    """What the customer buys for one booking; the lines carry the VAT."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting payment")
        PAID = "paid", _("Paid")
        PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
        REFUNDED = "refunded", _("Refunded")
        CANCELLED = "cancelled", _("Cancelled")

    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("public id")
    )
    supplier = models.ForeignKey(
        "bookings.Supplier",
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("supplier"),
    )
    # SET_NULL: the order outlives the booking and the account (Accounting Act).
    booking = models.OneToOneField(
        "bookings.Booking",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="order",
        verbose_name=_("booking"),
    )
    booking_reference = models.CharField(_("booking reference"), max_length=12, db_index=True)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("customer"),
    )
    customer_name = models.CharField(_("customer name"), max_length=150, blank=True)
    customer_email = models.EmailField(_("customer e-mail"), blank=True)
    currency = models.CharField(
        max_length=3, default=CURRENCY, editable=False, verbose_name=_("currency")
    )
    total_ore = models.PositiveIntegerField(_("total (øre, incl. VAT)"))
    vat_ore = models.PositiveIntegerField(_("VAT (øre)"))
    # Full prepayment: total; deposit: the deposit. The rest is paid at the venue.
    due_online_ore = models.PositiveIntegerField(_("to pay online (øre)"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    paid_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paid at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [models.Index(fields=["supplier", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_online_ore__lte=models.F("total_ore")),
                name="payments_order_due_online_within_total",
            )
        ]

    def __str__(self) -> str:
        return self.booking_reference

    @property
    def due_at_venue_ore(self) -> int:
        return self.total_ore - self.due_online_ore


class OrderLine(models.Model):
    order = models.ForeignKey(
        Order,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=pgettext_lazy("sale", "order"),
    )
    description = models.CharField(_("description"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price_ore = models.PositiveIntegerField(_("unit price (øre, incl. VAT)"))
    vat_rate = models.DecimalField(
        _("VAT rate (%)"),
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("99.99"))],
    )
    total_ore = models.PositiveIntegerField(_("total (øre, incl. VAT)"))
    vat_ore = models.PositiveIntegerField(_("VAT (øre)"))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")

    def __str__(self) -> str:
        return self.description


class Payment(RetainedRecord):
    """One attempt to pay an order through one provider."""

    class Status(models.TextChoices):
        CREATED = "created", _("Created")
        PENDING = "pending", _("Waiting for the customer")
        AUTHORIZED = "authorized", _("Authorised, not captured")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    OPEN_STATUSES = (Status.CREATED, Status.PENDING, Status.AUTHORIZED)

    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("public id")
    )
    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=pgettext_lazy("sale", "order"),
    )
    provider = models.CharField(_("provider"), max_length=20)
    # A provider without credentials runs in console mode (DEBUG only): simulated, no money.
    is_console = models.BooleanField(_("simulated (console mode)"), default=False)
    provider_reference = models.CharField(
        _("provider reference"), max_length=255, blank=True, db_index=True
    )
    provider_secondary_reference = models.CharField(
        _("secondary provider reference"),
        max_length=255,
        blank=True,
        db_index=True,
        help_text=_("Stripe: the PaymentIntent of the Checkout Session."),
    )
    redirect_url = models.URLField(max_length=2000, blank=True, verbose_name=_("checkout address"))
    amount_ore = models.PositiveIntegerField(_("amount (øre)"))
    captured_ore = models.PositiveIntegerField(_("captured (øre)"), default=0)
    refunded_ore = models.PositiveIntegerField(_("refunded (øre)"), default=0)
    currency = models.CharField(
        max_length=3, default=CURRENCY, editable=False, verbose_name=_("currency")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.CREATED
    )
    failure_reason = models.CharField(_("failure reason"), max_length=255, blank=True)
    # Non-personal provider state only (console simulation, last provider status).
    provider_data = models.JSONField(default=dict, blank=True, verbose_name=_("provider data"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    paid_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paid at"))
    last_refreshed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("last checked at")
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_reference"],
                condition=~models.Q(provider_reference=""),
                name="payments_payment_unique_provider_reference",
            ),
            models.CheckConstraint(
                condition=models.Q(refunded_ore__lte=models.F("amount_ore")),
                name="payments_payment_refund_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.provider_reference or self.public_id}"

    @property
    def refundable_ore(self) -> int:
        return max(self.captured_ore - self.refunded_ore, 0)


class Refund(RetainedRecord):
    """Money going back to the customer; tracked until the provider says it is done."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        PROCESSING = "processing", _("Sent, waiting for the provider")
        SUCCEEDED = "succeeded", _("Refunded")
        FAILED = "failed", _("Failed")

    class Reason(models.TextChoices):
        CUSTOMER_CANCELLED = "customer_cancelled", _("Cancelled by the customer")
        SUPPLIER_CANCELLED = "supplier_cancelled", _("Cancelled by the supplier")
        SLOT_TAKEN = "slot_taken", _("Paid after the slot was taken")
        DUPLICATE = "duplicate", _("Paid twice")
        MANUAL = "manual", _("Refunded by staff")

    OPEN_STATUSES = (Status.PENDING, Status.PROCESSING)

    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("public id")
    )
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment")
    )
    amount_ore = models.PositiveIntegerField(_("amount (øre)"), validators=[MinValueValidator(1)])
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    provider_reference = models.CharField(_("provider reference"), max_length=255, blank=True)
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("completed at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{format_nok(self.amount_ore)} ({self.get_status_display()})"


class ReceiptCounter(models.Model):
    """The last receipt number per supplier; locked with select_for_update when issuing.

    A database sequence would leave gaps on rollback; the Accounting Act wants none.
    """

    supplier = models.OneToOneField(
        "bookings.Supplier",
        on_delete=models.PROTECT,
        related_name="receipt_counter",
        verbose_name=_("supplier"),
    )
    last_number = models.PositiveIntegerField(default=0, verbose_name=_("last number"))

    class Meta:
        verbose_name = _("receipt counter")
        verbose_name_plural = _("receipt counters")

    def __str__(self) -> str:
        return f"{self.supplier}: {self.last_number}"


class ReceiptQuerySet(models.QuerySet):
    def update(self, **kwargs):
        # Receipts are immutable once issued; only the privacy flag may change.
        if set(kwargs) - {"restricted"}:
            raise ValidationError("A receipt cannot be changed once issued.")
        return super().update(**kwargs)


class Receipt(RetainedRecord):
    """A sales document (kvittering) or a credit note for a refund. Never changed once issued.

    `lines` is a frozen copy of what was sold: `[{description, amount_ore, vat_rate, vat_ore}]`
    with amounts negative on a credit note. Corrections are new receipts.
    """

    class Kind(models.TextChoices):
        SALE = "sale", _("Receipt")
        CREDIT = "credit", _("Credit note")

    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("public id")
    )
    supplier = models.ForeignKey(
        "bookings.Supplier",
        on_delete=models.PROTECT,
        related_name="receipts",
        verbose_name=_("supplier"),
    )
    number = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.SALE)
    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        related_name="receipts",
        verbose_name=pgettext_lazy("sale", "order"),
    )
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("payment")
    )
    refund = models.OneToOneField(
        Refund,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receipt",
        verbose_name=_("refund"),
    )
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    issued_at = models.DateTimeField(_("issued"))
    seller_name = models.CharField(max_length=200, verbose_name=_("seller name"))
    seller_organisation_number = models.CharField(
        max_length=9, blank=True, verbose_name=_("seller organisation number")
    )
    seller_address = models.CharField(max_length=320, blank=True, verbose_name=_("seller address"))
    vat_registered = models.BooleanField(default=True, verbose_name=_("VAT registered"))
    provider = models.CharField(_("paid with"), max_length=20)
    booking_reference = models.CharField(max_length=12, verbose_name=_("booking reference"))
    service_date = models.DateField(_("service date"), null=True, blank=True)
    lines = models.JSONField(verbose_name=_("lines"))
    total_ore = models.IntegerField(_("total (øre, incl. VAT)"))
    vat_ore = models.IntegerField(_("VAT (øre)"))
    due_at_venue_ore = models.PositiveIntegerField(_("due at the venue (øre)"), default=0)
    footer = models.CharField(max_length=300, blank=True, verbose_name=_("footer"))

    objects = ReceiptQuerySet.as_manager()

    class Meta:
        ordering = ["supplier", "number"]
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "number"], name="payments_receipt_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def save(self, *args, **kwargs) -> None:
        # Immutability is an invariant of the row itself, not a business rule: guard it here.
        if not self._state.adding:
            raise ValidationError("A receipt cannot be changed once issued.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("A receipt cannot be deleted.")


class WebhookEvent(RetainedRecord):
    """An inbound provider notification, stored once; the payload is not kept (personal data)."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored")
        FAILED = "failed", _("Failed")

    provider = models.CharField(max_length=20, verbose_name=_("provider"))
    event_id = models.CharField(max_length=255, verbose_name=_("event id"))
    event_type = models.CharField(max_length=100, blank=True, verbose_name=_("event type"))
    payment = models.ForeignKey(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="webhook_events",
        verbose_name=_("payment"),
    )
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.RECEIVED, verbose_name=_("status")
    )
    error = models.CharField(max_length=500, blank=True, verbose_name=_("error"))
    received_at = models.DateTimeField(auto_now_add=True, verbose_name=_("received at"))
    processed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("processed at"))

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="payments_webhookevent_unique_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type} {self.event_id}"
