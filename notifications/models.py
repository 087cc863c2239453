"""The outbox: every message we send is first a row written in the transaction of its event.

A Celery task sends a row after commit; a periodic relay (`tasks.relay_outbox`) picks up rows
that are due (reminders, retries after backoff) or stuck (a worker died mid-send). Nothing
depends on the broker keeping a task: the database row is the source of truth.
"""

import re

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        SUPPRESSED = "suppressed", _("Suppressed")

    class Purpose(models.TextChoices):
        TRANSACTIONAL = "transactional", _("Transactional")
        MARKETING = "marketing", _("Marketing")

    class MarketingBasis(models.TextChoices):
        NONE = "", _("Not marketing")
        CONSENT = "consent", _("Consent")
        EXISTING_CUSTOMER = "existing_customer", _("Existing customer (Marketing Act § 15)")

    # Statuses a message never leaves (a late provider callback cannot reopen them).
    FINAL_STATUSES = (Status.DELIVERED, Status.FAILED, Status.SUPPRESSED)

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    template_key = models.CharField(_("template"), max_length=80)
    language = models.CharField(_("language"), max_length=5, default="nb")
    purpose = models.CharField(
        _("purpose"), max_length=16, choices=Purpose.choices, default=Purpose.TRANSACTIONAL
    )
    marketing_basis = models.CharField(
        _("marketing basis"),
        max_length=20,
        choices=MarketingBasis.choices,
        blank=True,
        help_text=_("The legal basis found when the marketing message was sent."),
    )
    # A reference, not a copy: the address is read from the user when the message is sent.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    # Only for messages to someone without an account (contact form, DPO, address checks).
    to_address = models.CharField(_("to address"), max_length=254, blank=True)
    booking = models.ForeignKey(
        "bookings.Booking",
        verbose_name=_("booking"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body_text = models.TextField(_("text body"), blank=True)
    body_html = models.TextField(_("HTML body"), blank=True)
    # [{"name": "booking.ics", "content_type": "text/calendar", "content": "<text>"}]
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    # A customer's own booking message is rendered when it is sent, not in the booking's
    # request: until then this holds its template context as references (model label and pk)
    # and plain values (rendering.context_store); {} once rendered, or for a message rendered
    # when it was queued.
    render_context = models.JSONField(default=dict, blank=True, editable=False)

    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    status_reason = models.CharField(_("status reason"), max_length=100, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    due_at = models.DateTimeField(_("due at"), default=timezone.now)
    # While a worker holds a message it is `sending` until this time; after it, the relay
    # treats the message as stuck (worker killed) and lets another worker claim it.
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    # When a send task was last handed to the broker; the relay re-dispatches after a while
    # in case the broker lost it.
    dispatched_at = models.DateTimeField(null=True, blank=True, editable=False)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    redacted_at = models.DateTimeField(_("bodies redacted at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            # The relay's scan: due queued rows and expired claims.
            models.Index(fields=["status", "due_at"], name="notif_msg_status_due_idx"),
            models.Index(fields=["provider_message_id"], name="notif_msg_provider_id_idx"),
            models.Index(fields=["booking", "template_key"], name="notif_msg_booking_idx"),
            models.Index(fields=["created_at"], name="notif_msg_created_idx"),
        ]
        # No check constraint "recipient or address": erasing a user sets recipient to NULL,
        # and that must never fail; message_enqueue enforces it for new rows.

    def __str__(self) -> str:
        return f"{self.template_key} ({self.channel}) #{self.pk}"


class InboundEvent(models.Model):
    """A provider callback (delivery status, inbound SMS, e-mail event), stored once."""

    class Provider(models.TextChoices):
        TWILIO_STATUS = "twilio_status", _("Twilio delivery status")
        TWILIO_INBOUND = "twilio_inbound", _("Twilio inbound SMS")
        BREVO = "brevo", _("Brevo e-mail event")

    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices)
    event_id = models.CharField(_("event id"), max_length=255)
    event_type = models.CharField(_("event type"), max_length=40, blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    # Provider ids and status codes only; phone numbers and message texts are not kept.
    payload = models.JSONField(_("payload"), default=dict)
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("provider event")
        verbose_name_plural = _("provider events")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="notifications_inboundevent_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_type}"


class SupplierNoticeSettings(models.Model):
    """Where and about what a supplier (the salon) is told of its bookings.

    Without a row, the supplier's contact e-mail gets every notice and the daily agenda at the
    defaults below (services/supplier_notices.py: notice_settings_for). Addresses are checked
    and normalised by the admin form (phone numbers by the project's phone normalisation).
    """

    supplier = models.OneToOneField(
        "bookings.Supplier",
        verbose_name=_("supplier"),
        on_delete=models.CASCADE,
        related_name="notice_settings",
    )
    # One address per line (or separated by commas); normalised to "a@x.no, b@y.no".
    notice_emails = models.TextField(
        _("notice e-mail addresses"),
        blank=True,
        help_text=_(
            "One or more addresses, separated by commas or new lines. Empty: the supplier's "
            "contact e-mail."
        ),
    )
    # E.164; empty = no SMS notices.
    notice_phone = models.CharField(
        _("SMS number for notices"),
        max_length=20,
        blank=True,
        help_text=_("A mobile number. Empty: no SMS notices."),
    )
    on_new = models.BooleanField(_("new bookings"), default=True)
    on_moved = models.BooleanField(_("moved bookings"), default=True)
    on_cancelled = models.BooleanField(_("cancelled bookings"), default=True)
    on_erased = models.BooleanField(
        _("erased customer data"),
        default=True,
        help_text=_("A customer's personal data was erased (the notice names nobody)."),
    )
    agenda_enabled = models.BooleanField(_("daily agenda e-mail"), default=True)
    agenda_hour = models.PositiveSmallIntegerField(
        _("agenda hour"),
        default=7,
        validators=[MaxValueValidator(23)],
        help_text=_("Local hour (0-23) when the day's agenda is sent."),
    )
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="nb"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notice settings")
        verbose_name_plural = _("notice settings")

    def __str__(self) -> str:
        return str(self.supplier)

    @property
    def email_list(self) -> list[str]:
        """The stored addresses as a list (already normalised by the form)."""
        return [part for part in re.split(r"[\s,;]+", self.notice_emails) if part]
