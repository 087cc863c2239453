"""The processor register (GDPR Art. 28/30): who processes personal data for us, where, how."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Processor(models.Model):
    class TransferMechanism(models.TextChoices):
        NONE = "none", _("No transfer: processed in the EU/EEA")
        SCC = "scc", _("Standard contractual clauses (Art. 46(2)(c))")
        ADEQUACY = "adequacy", _("Adequacy decision (EU–US Data Privacy Framework)")

    name = models.CharField(_("name"), max_length=120, unique=True)
    website = models.URLField(_("website"), blank=True)
    service_nb = models.CharField(_("service (Bokmål)"), max_length=200, blank=True)
    service_en = models.CharField(_("service (English)"), max_length=200)
    purpose_nb = models.TextField(_("purpose (Bokmål)"))
    purpose_en = models.TextField(_("purpose (English)"))
    data_categories_nb = models.TextField(_("data categories (Bokmål)"))
    data_categories_en = models.TextField(_("data categories (English)"))
    location_nb = models.CharField(_("location (Bokmål)"), max_length=200, blank=True)
    location_en = models.CharField(_("location (English)"), max_length=200)
    transfers_outside_eea = models.BooleanField(_("transfers outside the EU/EEA"), default=False)
    transfer_mechanism = models.CharField(
        _("transfer mechanism"),
        max_length=20,
        choices=TransferMechanism.choices,
        default=TransferMechanism.NONE,
    )
    # Only with consent (cookie purposes): shown so visitors see what their choice switches on.
    consent_purpose = models.CharField(_("only with consent to"), max_length=40, blank=True)
    dpa_signed_on = models.DateField(_("data processing agreement date"), null=True, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("processor")
        verbose_name_plural = _("processors")

    def __str__(self) -> str:
        return self.name
