"""The database copy of contact-form messages, kept only until the retention rule removes it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactMessage(models.Model):
    """What the person typed into /contact/ and nothing else (no IP, no user agent).

    The policy: "A copy of the email may also be stored in a database ... to ensure that we have
    received your message if the email does not arrive. This database is deleted at regular
    intervals." — the retention rule `contact_messages` (default 90 days, set by the DPO).
    """

    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("e-mail address"))
    subject = models.CharField(_("subject"), max_length=200)
    message = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("contact message")
        verbose_name_plural = _("contact messages")

    def __str__(self) -> str:
        return f"{self.subject} ({self.created_at:%d.%m.%Y})"
