from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyVersion(models.Model):
    """One published version of the privacy policy. Older versions stay readable."""

    version = models.SlugField(_("version"), max_length=32, unique=True)
    effective_date = models.DateField(_("effective date"))
    title_nb = models.CharField(_("title (Bokmål)"), max_length=200, default="Personvernerklæring")
    title_en = models.CharField(_("title (English)"), max_length=200, default="Privacy Policy")
    body_nb = models.TextField(_("text (Bokmål)"), blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    is_material_change = models.BooleanField(
        _("material change"),
        default=False,
        help_text=_(
            "Users are told by e-mail and asked for consent again where a purpose changed."
        ),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # Progress of the e-mail to every active user about a material change (resumable batches).
    notification_started_at = models.DateTimeField(
        _("notification started at"), null=True, blank=True, editable=False
    )
    notification_completed_at = models.DateTimeField(
        _("notification completed at"), null=True, blank=True, editable=False
    )
    notified_through_user_pk = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_date", "-pk"]
        verbose_name = _("privacy policy version")
        verbose_name_plural = _("privacy policy versions")

    def __str__(self) -> str:
        return f"{self.version} ({self.effective_date:%d.%m.%Y})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def body_for(self, language: str | None) -> str:
        return self.body_en if language == "en" or not self.body_nb else self.body_nb

    def title_for(self, language: str | None) -> str:
        return self.title_en if language == "en" else self.title_nb
