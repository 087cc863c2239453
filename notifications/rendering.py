"""Render outbox templates (`templates/notifications/<template_key>/...`) at enqueue time."""

import re
from dataclasses import dataclass

from django.conf import settings
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import translation

TEMPLATE_KEY_PATTERN = re.compile(r"^[a-z0-9_]+(?:/[a-z0-9_]+)*$")
# GSM-7 concatenated SMS: 10 segments is far more than any of our texts need.
SMS_MAX_LENGTH = 1530


@dataclass(frozen=True)
class RenderedMessage:
    subject: str = ""
    body_text: str = ""
    body_html: str = ""


def language_resolve(*, language: str | None, recipient=None, booking=None) -> str:
    """The message language: explicit, else the person's preference, else the booking's."""
    supported = {code for code, _name in settings.LANGUAGES}
    for candidate in (
        language,
        getattr(recipient, "preferred_language", None),
        getattr(booking, "language", None),
    ):
        if candidate and candidate in supported:
            return candidate
    return settings.LANGUAGE_CODE


def _render(path: str, context: dict) -> str:
    if path.endswith(".txt"):
        # Plain text (SMS, subject, text e-mail) is not HTML: escaping would show "Hår &amp;
        # Hud". Django's engine has no per-template autoescape switch, so render with a
        # Context that turns it off; only `.html` parts are escaped.
        template = get_template(path).template
        return template.render(Context(context, autoescape=False)).strip()
    return render_to_string(path, context).strip()


def _render_optional(path: str, context: dict) -> str:
    try:
        return _render(path, context)
    except TemplateDoesNotExist:
        return ""


def message_render(
    *, template_key: str, channel: str, language: str, context: dict
) -> RenderedMessage:
    """Render one message in `language`. Missing required templates raise TemplateDoesNotExist.

    E-mail needs `subject.txt` and `body.txt` (`body.html` optional); SMS needs `sms.txt`.
    """
    if not TEMPLATE_KEY_PATTERN.match(template_key):
        raise ValueError(f"Invalid template key {template_key!r}.")
    base = f"notifications/{template_key}/"
    full_context = {"site_url": settings.SITE_URL, "language": language, **context}
    with translation.override(language):
        if channel == "sms":
            text = _render(base + "sms.txt", full_context)
            # Templates are written for readability; an SMS is one paragraph per blank line.
            paragraphs = re.split(r"\n\s*\n", text)
            text = "\n".join(" ".join(p.split()) for p in paragraphs if p.strip())
            return RenderedMessage(body_text=text[:SMS_MAX_LENGTH])
        subject = " ".join(_render(base + "subject.txt", full_context).split())
        return RenderedMessage(
            subject=subject[:255],
            body_text=_render(base + "body.txt", full_context),
            body_html=_render_optional(base + "body.html", full_context),
        )
