"""The audit trail: append-only, hash-chained rows about what the DPO and the system did.

Subjects and actors appear only as pseudonymous ids (User.public_id). A PostgreSQL trigger
(migration) refuses UPDATE and DELETE; the model and queryset refuse them on every database.
"""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("The audit trail is append-only.")

    def delete(self):
        raise PermissionDenied("The audit trail is append-only.")


class AuditEntry(models.Model):
    created_at = models.DateTimeField(_("time"), db_index=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    actor_public_id = models.UUIDField(_("actor (pseudonymous id)"), null=True, blank=True)
    subject_public_id = models.UUIDField(
        _("subject (pseudonymous id)"), null=True, blank=True, db_index=True
    )
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    # Counts, rule keys, request ids: never names, addresses or free text about a person.
    details = models.JSONField(_("details"), default=dict, blank=True)
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        default_permissions = ("view",)
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The audit trail is append-only.")


class AuditCheckpoint(models.Model):
    """A signed record of the audit trail's head (newest entry id, count and hash) at a moment.

    The chain alone cannot tell that its newest rows were removed, or that someone rewrote every
    hash from the first row on; a checkpoint signed with `AUDIT_ANCHOR_KEY` (a key the database
    does not hold) can. Append-only like the trail: a PostgreSQL trigger refuses UPDATE and
    DELETE with no exception (migration 0014), the model refuses them on every database.
    """

    created_at = models.DateTimeField(_("time"))
    entry_id = models.BigIntegerField(_("newest entry"))
    entry_count = models.PositiveBigIntegerField(_("entries up to it"))
    entry_hash = models.CharField(_("hash of the newest entry"), max_length=64)
    # Which key signed it (a fingerprint, not the key), so a rotation is told from a forgery.
    key_id = models.CharField(_("signing key id"), max_length=16)
    signature = models.CharField(_("signature"), max_length=64)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        default_permissions = ("view",)
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} #{self.entry_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("Audit checkpoints are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Audit checkpoints are append-only.")
