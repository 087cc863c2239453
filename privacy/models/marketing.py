"""Marketing Act §15: the bases a marketing send can rest on, and the Brevo list mirror.

The basis of each send is recorded on the outbox row (notifications.Message.marketing_basis)
from `privacy.services.marketing_basis_for`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MarketingBasis(models.TextChoices):
    CONSENT = "consent", _("consent")
    EXISTING_CUSTOMER = "existing_customer", _("existing customer (Marketing Act §15)")
    NONE = "none", _("no basis (not sent)")


class MarketingChannel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")


class MarketingListSync(models.Model):
    """One attempt to mirror marketing e-mail consent to the Brevo contact list."""

    class Action(models.TextChoices):
        ADD = "add", _("add to list")
        REMOVE = "remove", _("remove from list")

    class Status(models.TextChoices):
        DONE = "done", _("done")
        CONSOLE = "console", _("console mode (recorded, not sent)")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("skipped (no e-mail address)")

    consent_event_id = models.BigIntegerField(_("consent event"), db_index=True)
    user_public_id = models.UUIDField(_("user"), db_index=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Brevo list sync")
        verbose_name_plural = _("Brevo list syncs")

    def __str__(self) -> str:
        return f"{self.action} {self.status}"


class MarketingChoiceOffer(models.Model):
    """When a person was first shown the choice to refuse marketing e-mail.

    The Marketing Act §15 existing-customer exception holds only for someone who was offered a
    free and simple refusal; an account created by staff (phone booking) or imported never was,
    so no such person gets marketing until a page has shown them the choice.
    """

    class Source(models.TextChoices):
        SIGNUP = "signup", _("sign-up form")
        CENTRE = "centre", _("privacy centre")
        PROFILE = "profile", _("profile")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="marketing_offer"
    )
    offered_at = models.DateTimeField(_("first offered at"), auto_now_add=True)
    source = models.CharField(_("where"), max_length=10, choices=Source.choices)

    class Meta:
        verbose_name = _("marketing choice offered")
        verbose_name_plural = _("marketing choices offered")

    def __str__(self) -> str:
        return f"offered {self.offered_at:%Y-%m-%d} ({self.source})"
