"""The consent ledger: append-only events that prove every choice (GDPR Art. 7(1)).

A subject is either a user (by `public_id`) or an anonymous visitor's random consent id (the
first-party `bt_consent_id` cookie). Rows are never changed: the current state is derived from the
newest event per purpose. A PostgreSQL trigger refuses UPDATE, and DELETE except from inside the
retention rules' database function (privacy/ledger_guard.py, migrations 0004 and 0014); the
querysets below refuse them on every database.
"""

import uuid

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..purposes import LegalBasis, Purpose
from .policy import PolicyVersion


class PurposeText(models.Model):
    """One version of the wording shown for a purpose. Ledger rows point here, never copy it."""

    purpose = models.CharField(_("purpose"), max_length=40, choices=Purpose.choices)
    version = models.PositiveIntegerField(_("version"))
    text_nb = models.TextField(_("text (Bokmål)"))
    text_en = models.TextField(_("text (English)"))
    legal_basis = models.CharField(
        _("legal basis"), max_length=40, choices=LegalBasis.choices, default=LegalBasis.CONSENT
    )
    policy_version = models.ForeignKey(
        PolicyVersion,
        verbose_name=_("introduced with policy version"),
        on_delete=models.PROTECT,
        related_name="purpose_texts",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["purpose", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "version"], name="purposetext_unique_version"
            )
        ]
        verbose_name = _("purpose text")
        verbose_name_plural = _("purpose texts")

    def __str__(self) -> str:
        return f"{self.purpose} v{self.version}"

    def text_for(self, language: str | None) -> str:
        return self.text_en if language == "en" else self.text_nb


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk UPDATE; DELETE only through `ledger_guard.ledger_purge` (retention rules)."""

    def update(self, **kwargs):
        raise PermissionDenied("The consent ledger is append-only.")

    def delete(self):
        from ..ledger_guard import retention_window_open

        if not retention_window_open():
            raise PermissionDenied("The consent ledger is append-only.")
        return super().delete()


class ConsentEvent(models.Model):
    class SubjectType(models.TextChoices):
        USER = "user", _("user")
        ANONYMOUS = "anonymous", _("anonymous visitor")

    class Source(models.TextChoices):
        WEB = "web", _("web (privacy centre)")
        API = "api", _("API")
        BANNER = "banner", _("cookie banner")
        SIGNUP = "signup", _("sign-up form")
        SMS = "sms", _("SMS (STOP)")
        EMAIL_UNSUBSCRIBE = "email_unsubscribe", _("e-mail unsubscribe link")
        ADMIN = "admin", _("admin")
        IMPORT = "import", _("import")

    subject_type = models.CharField(_("subject type"), max_length=10, choices=SubjectType.choices)
    # User.public_id or the anonymous consent id: no foreign key, so that deleting an account
    # never silently rewrites the evidence (erasure goes through the retention service).
    subject_id = models.UUIDField(_("subject id"), db_index=True)
    purpose = models.CharField(_("purpose"), max_length=40, choices=Purpose.choices)
    granted = models.BooleanField(_("granted"))
    policy_version = models.ForeignKey(
        PolicyVersion, verbose_name=_("policy version"), on_delete=models.PROTECT, related_name="+"
    )
    purpose_text = models.ForeignKey(
        PurposeText,
        verbose_name=_("purpose text shown"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    ip_truncated = models.CharField(_("IP address (truncated)"), max_length=64, blank=True)
    user_agent = models.CharField(_("user agent (truncated)"), max_length=120, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["subject_id", "purpose", "-created_at"], name="consent_subj_purp")
        ]
        default_permissions = ("add", "view")
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")

    def __str__(self) -> str:
        verb = "granted" if self.granted else "withdrawn"
        return f"{self.purpose} {verb} ({self.created_at:%Y-%m-%d %H:%M})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("The consent ledger is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Ledger rows are deleted only by the retention service.")


class ConsentSubjectLink(models.Model):
    """An anonymous consent id that turned out to belong to a user (linked at login).

    Linking adds a row here instead of rewriting ledger rows: the choices made before login keep
    their original subject, and the user's current state considers both.
    """

    consent_id = models.UUIDField(_("consent id"), unique=True)
    user_public_id = models.UUIDField(_("user"), db_index=True)
    linked_at = models.DateTimeField(_("linked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("consent id link")
        verbose_name_plural = _("consent id links")

    def __str__(self) -> str:
        return f"{self.consent_id} → {self.user_public_id}"


def new_consent_id() -> uuid.UUID:
    return uuid.uuid4()
