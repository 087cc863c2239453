"""The breach register (GDPR Art. 33(5)): every personal-data breach, notified or not."""

from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

NOTIFICATION_DEADLINE = timedelta(hours=72)


class Breach(models.Model):
    title = models.CharField(_("what happened (short)"), max_length=200)
    description = models.TextField(
        _("description"), help_text=_("Describe the incident; never name affected people.")
    )
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    discovered_at = models.DateTimeField(_("discovered at"))
    data_categories = models.CharField(_("categories of data affected"), max_length=300)
    subjects_affected = models.PositiveIntegerField(_("number of people affected"), default=0)
    likely_consequences = models.TextField(_("likely consequences"), blank=True)
    measures = models.TextField(_("measures taken or proposed"), blank=True)
    authority_notified_at = models.DateTimeField(
        _("Datatilsynet notified at"), null=True, blank=True
    )
    subjects_notified_at = models.DateTimeField(
        _("affected people notified at"), null=True, blank=True
    )
    not_notified_reason = models.TextField(
        _("why the authority was not notified"),
        blank=True,
        help_text=_("Only when the breach is unlikely to result in a risk (Art. 33(1))."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-discovered_at"]
        verbose_name = _("personal data breach")
        verbose_name_plural = _("breach register")

    def __str__(self) -> str:
        return self.title

    @property
    def notification_deadline(self):
        return self.discovered_at + NOTIFICATION_DEADLINE

    @property
    def is_overdue(self) -> bool:
        return (
            self.authority_notified_at is None
            and not self.not_notified_reason
            and timezone.now() > self.notification_deadline
        )
