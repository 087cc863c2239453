"""The DPO's request desk (GDPR Art. 12–22): requests, subject flags and processor propagation."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PrivacyRequest(models.Model):
    """One request from a data subject, from intake to completion.

    `received_at` starts the one-month clock (Art. 12(3)); a guest's request only counts once the
    e-mail address is confirmed, so both stay empty until then.
    """

    class Type(models.TextChoices):
        ACCESS = "access", _("Access and copy (export)")
        ERASURE = "erasure", _("Erasure")
        RECTIFICATION = "rectification", _("Rectification")
        RESTRICTION = "restriction", _("Restriction of processing")
        OBJECTION = "objection", _("Objection")

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", _("Waiting for e-mail confirmation")
        RECEIVED = "received", _("Received, waiting for the DPO")
        APPROVED = "approved", _("Approved, being carried out")
        COMPLETED = "completed", _("Completed")
        REJECTED = "rejected", _("Rejected")

    class Channel(models.TextChoices):
        CENTRE = "centre", _("Privacy centre")
        API = "api", _("API")
        PUBLIC_FORM = "public_form", _("Public form")
        ADMIN = "admin", _("Entered by the DPO")
        MINOR = "minor", _("Account of a minor")

    OPEN_STATUSES = (Status.UNVERIFIED, Status.RECEIVED, Status.APPROVED)

    public_id = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.UNVERIFIED
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("data subject"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="privacy_requests",
    )
    # Survives the account: the audit trail and replays refer to it.
    subject_public_id = models.UUIDField(_("subject (pseudonymous id)"), null=True, blank=True)
    # A guest's address (no account). Blanked when an erasure completes.
    contact_email = models.EmailField(_("e-mail address"), blank=True)
    details = models.TextField(_("details from the subject"), blank=True, max_length=4000)
    verified_at = models.DateTimeField(_("e-mail confirmed at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True, db_index=True)
    extension_reason = models.TextField(_("reason for extension"), blank=True)
    extended_at = models.DateTimeField(_("extended at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    export_path = models.CharField(max_length=255, blank=True, editable=False)
    export_expires_at = models.DateTimeField(_("export link valid until"), null=True, blank=True)
    # Counts and what was kept, why and until when; never personal data.
    outcome = models.JSONField(_("outcome"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("privacy request")
        verbose_name_plural = _("privacy requests")
        indexes = [models.Index(fields=["status", "due_at"], name="privacy_req_status_due")]

    def __str__(self) -> str:
        return f"{self.get_type_display()} #{self.pk}"


class SubjectFlag(models.Model):
    """Art. 18 restriction, Art. 21 objection and the DPO's "under 18" mark for one account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="privacy_flag"
    )
    restricted_at = models.DateTimeField(_("processing restricted since"), null=True, blank=True)
    objected_at = models.DateTimeField(_("objection since"), null=True, blank=True)
    minor_marked_at = models.DateTimeField(_("marked as under 18 at"), null=True, blank=True)
    inactivity_warned_at = models.DateTimeField(
        _("warned about inactivity at"), null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("subject flag")
        verbose_name_plural = _("subject flags")

    def __str__(self) -> str:
        return f"flags {self.user_id}"


class ProcessorErasure(models.Model):
    """One processor that must forget a subject; a task retries it until it is done.

    `target` holds what the processor knows the person by (an e-mail address, message ids) for
    as long as the call is outstanding, and is emptied when it succeeds.
    """

    class Processor(models.TextChoices):
        BREVO = "brevo", "Brevo"
        STRIPE = "stripe", "Stripe"
        TWILIO = "twilio", "Twilio"
        GOOGLE_CALENDAR = "google_calendar", "Google Calendar"

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        CONSOLE = "console", _("Console mode (recorded, not sent)")
        FAILED = "failed", _("Failed (needs the DPO)")

    request = models.ForeignKey(
        PrivacyRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="propagations"
    )
    subject_public_id = models.UUIDField(_("subject (pseudonymous id)"), db_index=True)
    processor = models.CharField(_("processor"), max_length=20, choices=Processor.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    target = models.JSONField(default=dict, blank=True, editable=False)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    # Counts the processor reported (e.g. Stripe customers deleted); no identifiers.
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("erasure at a processor")
        verbose_name_plural = _("erasures at processors")

    def __str__(self) -> str:
        return f"{self.processor} {self.status}"
