"""Render outbox templates (`templates/notifications/<template_key>/...`).

Most messages are rendered when they are queued. A customer's own booking messages are rendered
when they are sent: the booking's request stores only their context (`context_store`: model
references and plain values) and the worker renders it (`context_load`, `message_render`).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db import models
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


def template_check(*, template_key: str, channel: str) -> None:
    """Raise now what rendering later would raise: a bad key or a missing required template."""
    if not TEMPLATE_KEY_PATTERN.match(template_key):
        raise ValueError(f"Invalid template key {template_key!r}.")
    base = f"notifications/{template_key}/"
    for name in ("sms.txt",) if channel == "sms" else ("subject.txt", "body.txt"):
        get_template(base + name)  # cached by the template loader after the first call


class NotStorable(TypeError):
    """A context value that cannot be stored for rendering later (render it now instead)."""


# Tags of stored values that JSON has no type for. A model instance is stored as a reference
# and read again when rendering, so the text shows the data as it is then (and nothing of a
# record erased meanwhile); plain values are what the caller computed when queueing.
_MODEL, _DATETIME, _DATE, _DECIMAL = "$model", "$datetime", "$date", "$decimal"


def _store(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        if value.pk is None:
            raise NotStorable("an unsaved model instance")
        return {_MODEL: value._meta.label_lower, "pk": value.pk}
    if isinstance(value, datetime):
        return {_DATETIME: value.isoformat()}
    if isinstance(value, date):
        return {_DATE: value.isoformat()}
    if isinstance(value, Decimal):
        return {_DECIMAL: str(value)}
    if isinstance(value, list | tuple):
        return [_store(item) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        if any(key.startswith("$") for key in value):
            raise NotStorable("a dict key starting with $ (reserved for tags)")
        return {key: _store(item) for key, item in value.items()}
    raise NotStorable(type(value).__name__)


def context_store(context: dict) -> dict:
    """The context as JSON: model instances as references, dates tagged. Raises NotStorable."""
    return _store(context)


class _Loader:
    """Turns stored references back into instances; `known` ones cost no query."""

    def __init__(self, known) -> None:
        self.instances = {
            (instance._meta.label_lower, instance.pk): instance
            for instance in known
            if instance is not None
        }

    def __call__(self, value):
        if isinstance(value, list):
            return [self(item) for item in value]
        if not isinstance(value, dict):
            return value
        if _MODEL in value:
            key = (value[_MODEL], value["pk"])
            if key not in self.instances:
                # None when the row is gone (deleted or erased since): the template shows less.
                model = apps.get_model(value[_MODEL])
                self.instances[key] = model._default_manager.filter(pk=value["pk"]).first()
            return self.instances[key]
        if _DATETIME in value:
            return datetime.fromisoformat(value[_DATETIME])
        if _DATE in value:
            return date.fromisoformat(value[_DATE])
        if _DECIMAL in value:
            return Decimal(value[_DECIMAL])
        return {key: self(item) for key, item in value.items()}


def context_load(stored: dict, *, known=()) -> dict:
    """The context `context_store` stored, with references read again (`known` instances, such
    as the message's booking and its supplier, service and resource, are used as they are)."""
    return _Loader(known)(stored)


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
