"""Retention rules the DPO can tune, and the log of every sweep that applied them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RetentionRule(models.Model):
    """One rule of the nightly sweep. The code knows how to apply each `key` and says what it
    does (privacy.retention: `retention_rule_description`, in the reader's language); the DPO
    sets the period and may pause a rule. Defaults and their reasons: docs/RETENTION.md."""

    key = models.SlugField(_("rule"), max_length=60, unique=True)
    category = models.CharField(_("data category"), max_length=40)
    period_days = models.PositiveIntegerField(_("period (days)"))
    enabled = models.BooleanField(_("enabled"), default=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ["category", "key"]
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")

    def __str__(self) -> str:
        return self.key


class SweepRun(models.Model):
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    as_of = models.DateTimeField(_("as of"))
    dry_run = models.BooleanField(_("dry run"), default=False)
    # {rule key: rows affected (or that would be)}
    counts = models.JSONField(_("counts per rule"), default=dict)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("retention sweep")
        verbose_name_plural = _("retention sweeps")

    def __str__(self) -> str:
        return f"{self.as_of:%Y-%m-%d} {'dry run' if self.dry_run else ''}".strip()
