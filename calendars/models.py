"""Google Calendar connections per resource, and the outbox of calendar pushes.

Personal data here: none beyond booking references (EventMirror) — the events we write carry
the service name, the booking reference and a link to our admin, never the customer's name,
e-mail or phone; busy blocks pulled from Google keep only start/end and the event id (no titles,
no attendees). OAuth tokens are secrets of the supplier, encrypted at rest (calendars.crypto).
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import crypto


class CalendarConnection(models.Model):
    """One resource's Google calendar: the grant, the pull cursor and the push channel."""

    class Mode(models.TextChoices):
        GOOGLE = "google", _("Google Calendar")
        CONSOLE = "console", _("Console (development: nothing is sent)")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        NEEDS_REAUTH = "needs_reauth", _("Needs new authorisation")
        DISCONNECTED = "disconnected", _("Disconnected")

    resource = models.OneToOneField(
        "bookings.Resource",
        on_delete=models.CASCADE,
        related_name="calendar_connection",
        verbose_name=_("resource"),
    )
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    calendar_id = models.CharField(_("Google calendar id"), max_length=255, default="primary")
    # Fernet ciphertexts; use the properties below, never these columns directly.
    refresh_token_encrypted = models.TextField(blank=True, editable=False)
    access_token_encrypted = models.TextField(blank=True, editable=False)
    access_token_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Pull: the incremental sync cursor (empty → next sync is a full sync).
    sync_token = models.TextField(blank=True, editable=False)
    sync_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    # Set by a push notification; a sync that started before it must run again.
    sync_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_synced_at = models.DateTimeField(_("last synchronised"), null=True, blank=True)
    # Push notifications (events.watch). Only a hash of the channel token is kept.
    channel_id = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    channel_token_hash = models.CharField(max_length=64, blank=True, editable=False)
    channel_resource_id = models.CharField(max_length=255, blank=True, editable=False)
    channel_expires_at = models.DateTimeField(
        _("notification channel expires"), null=True, blank=True
    )
    # An error code and operation, never a response body (which could echo event data).
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    connected_at = models.DateTimeField(_("connected"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar connection")
        verbose_name_plural = _("calendar connections")
        ordering = ["resource__supplier__name", "resource__name"]

    def __str__(self) -> str:
        return f"{self.resource} ↔ Google Calendar"

    @property
    def refresh_token(self) -> str:
        return crypto.decrypt(self.refresh_token_encrypted)

    @refresh_token.setter
    def refresh_token(self, value: str) -> None:
        self.refresh_token_encrypted = crypto.encrypt(value)

    @property
    def access_token(self) -> str:
        return crypto.decrypt(self.access_token_encrypted)

    @access_token.setter
    def access_token(self, value: str) -> None:
        self.access_token_encrypted = crypto.encrypt(value)

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


def new_event_id() -> str:
    # Google event ids: 5–1024 characters of base32hex (a–v, 0–9). A UUID's hex fits, and
    # choosing it ourselves makes a retried insert idempotent (Google answers 409 duplicate).
    return "bt" + uuid.uuid4().hex


class EventMirror(models.Model):
    """The outbox row for one booking's event in one connected calendar.

    `desired` says what Google should show; `state` whether it does. Services bump `version` on
    every change, so a push that raced a newer change leaves the row pending for another round.
    """

    class Desired(models.TextChoices):
        PRESENT = "present", _("Event present")
        ANONYMISED = "anonymised", _("Event without booking reference")
        ABSENT = "absent", _("Event removed")

    class RemoteState(models.TextChoices):
        NONE = "none", _("Not sent")
        MAYBE = "maybe", _("Perhaps created")
        EXISTS = "exists", _("Exists in Google")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SYNCED = "synced", _("In sync")
        FAILED = "failed", _("Failed")

    connection = models.ForeignKey(
        CalendarConnection, on_delete=models.CASCADE, related_name="mirrors"
    )
    # SET_NULL: when a booking row is deleted its event must still be removed from Google.
    booking = models.ForeignKey(
        "bookings.Booking",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calendar_mirrors",
    )
    booking_reference = models.CharField(_("booking reference"), max_length=12, blank=True)
    google_event_id = models.CharField(
        _("Google event id"), max_length=64, default=new_event_id, editable=False
    )
    desired = models.CharField(
        _("desired"), max_length=16, choices=Desired.choices, default=Desired.PRESENT
    )
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )
    # none: never sent; maybe: an insert was attempted (a timeout may have got through);
    # exists: Google confirmed it. Decides insert vs patch, and whether a delete is needed.
    remote_state = models.CharField(
        max_length=8, choices=RemoteState.choices, default=RemoteState.NONE, editable=False
    )
    # Set by the privacy scrub: later booking events never bring the content back.
    scrubbed = models.BooleanField(_("scrubbed"), default=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    synced_at = models.DateTimeField(_("synchronised"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar event mirror")
        verbose_name_plural = _("calendar event mirrors")
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "booking"],
                condition=models.Q(booking__isnull=False),
                name="calendars_eventmirror_one_per_booking",
            ),
            models.UniqueConstraint(
                fields=["connection", "google_event_id"],
                name="calendars_eventmirror_unique_event",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking_reference or '—'} → {self.google_event_id}"
