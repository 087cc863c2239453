"""Access and portability (GDPR Art. 15, 20): a ZIP with JSON per category and a summary.

Built by a task, stored in PRIVATE_MEDIA_ROOT (never served as static media), downloaded
through a signed link valid 7 days, deleted by the retention sweep afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
import zipfile
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core import signing
from django.core.exceptions import FieldDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from . import hooks
from .audit import audit_log
from .models import ConsentEvent, PrivacyRequest
from .purposes import Purpose
from .registry import Subject, registry

EXPORT_VALIDITY = timedelta(days=7)
DOWNLOAD_SALT = "privacy.export.download"
EXPORT_DIR = "privacy-exports"

# Section 4e of the policy: "automatic categorisation of you as a customer". The rule is
# deliberately simple and shown in full in every export: bookings in the last 12 months.
# The segment's key stays the same in every language (it is what the JSON file carries); its
# name and rule are read in the subject's language.
SEGMENTS = (
    (12, "frequent", _("frequent customer"), _("12 or more bookings in the last 12 months")),
    (4, "regular", _("regular customer"), _("4–11 bookings in the last 12 months")),
    (1, "occasional", _("occasional customer"), _("1–3 bookings in the last 12 months")),
    (0, "inactive", _("inactive customer"), _("no bookings in the last 12 months")),
)
SEGMENT_USE = _(
    "ordering of suggestions only, and only with consent to personalisation; never for prices "
    "or refusals. You may object (Art. 21)."
)


def customer_segment(subject: Subject, *, now=None) -> dict:
    """The automatic categorisation and how it was computed (one query): bookings not cancelled
    that start in the last 12 months, counted by the bookings app (hooks.booking_counts).
    Texts are in the active language."""
    count = 0
    if subject.user is not None:
        since = (now or timezone.now()) - timedelta(days=365)
        count = sum(bookings(subject.user, since) for bookings in hooks.booking_counts)
    for threshold, segment, label, explanation in SEGMENTS:
        if count >= threshold:
            return {
                "segment": segment,
                "label": str(label),
                "bookings_last_12_months": count,
                "rule": str(explanation),
                "used_for": str(SEGMENT_USE),
            }
    raise AssertionError("unreachable: the last threshold is 0")


def _processors() -> list[dict]:
    from .models import Processor

    mechanisms = dict(Processor.TransferMechanism.choices)
    return [
        {**row, "transfer_mechanism_label": mechanisms.get(row["transfer_mechanism"], "")}
        for row in Processor.objects.filter(is_active=True).values(
            "name",
            "service_nb",
            "service_en",
            "location_nb",
            "location_en",
            "transfers_outside_eea",
            "transfer_mechanism",
        )
    ]


def _consent_rows(consents: list[dict]) -> list[dict]:
    """The consent history as the summary shows it: the purpose and where the choice was made
    in words of the active language (the JSON file keeps the identifiers)."""
    purposes, sources = dict(Purpose.choices), dict(ConsentEvent.Source.choices)
    return [
        {
            **consent,
            "purpose_label": purposes.get(consent["purpose"], consent["purpose"]),
            "source_label": sources.get(consent["source"], consent["source"]),
            "at": timezone.localtime(parse_datetime(consent["created_at"])),
        }
        for consent in consents
    ]


def export_collect(subject: Subject) -> dict:
    """Every category's export for `subject` (a bounded number of queries per category)."""
    return {category.key: category.export(subject) for category in registry.all()}


def export_file_path(relative: str) -> str:
    return os.path.join(str(settings.PRIVATE_MEDIA_ROOT), relative)


def export_file_delete(relative: str) -> None:
    if not relative:
        return
    with contextlib.suppress(FileNotFoundError):
        os.remove(export_file_path(relative))


SUMMARY_ROWS = 50


def _models_of(category) -> list:
    """The models a category's fields live on (its "app_label.Model.field" names)."""
    names = dict.fromkeys(name.rsplit(".", 1)[0] for name in category.fields)
    found = []
    for name in names:
        with contextlib.suppress(LookupError):
            found.append(apps.get_model(name))
    return found


def _field_label(model, parts: list[str]) -> str:
    """The verbose name of `parts` (a values() lookup split at "__"), "" if it is no field."""
    try:
        field = model._meta.get_field(parts[0])
    except FieldDoesNotExist:
        return ""
    label = str(getattr(field, "verbose_name", "") or "")
    if len(parts) > 1:
        if field.related_model is None:
            return ""
        related = _field_label(field.related_model, parts[1:])
        return f"{label}: {related}" if label and related else ""
    return label


def _key_label(models: list, key: str, labels: dict[str, str]) -> str:
    """A JSON key in the reader's words: the category's own label for it, the model field's
    label, else the key itself."""
    if key in labels:
        return str(labels[key])
    for model in models:
        label = _field_label(model, key.split("__"))
        if label:
            return label
    for model in models:  # a list of a model's rows under its plural name ("orders")
        if key == f"{model._meta.model_name}s":
            return str(model._meta.verbose_name_plural)
    return key


def _cell(value) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return "" if value is None else str(value)


def _summary_section(category, data) -> dict:
    """The readable part: everything for small categories, the first rows of long lists (the
    JSON file next to it has all of them). Rows become a table and a single record a list of
    label: value pairs, labelled with the fields' names in the reader's language; the values
    are the data as stored."""
    total = len(data) if isinstance(data, list) else None
    shown = data[:SUMMARY_ROWS] if isinstance(data, list) else data
    models = _models_of(category)
    section = {
        "record": category.as_record(),
        "data": shown,
        "total": total,
        "truncated": total is not None and total > SUMMARY_ROWS,
        "file": f"{category.key}.json",
    }
    if isinstance(shown, list) and shown and all(isinstance(row, dict) for row in shown):
        keys = list(dict.fromkeys(key for row in shown for key in row))
        section["columns"] = [_key_label(models, key, category.export_labels) for key in keys]
        section["rows"] = [[_cell(row.get(key)) for key in keys] for row in shown]
    elif isinstance(shown, dict):
        section["pairs"] = [
            (_key_label(models, key, category.export_labels), _cell(value))
            for key, value in shown.items()
        ]
    return section


def export_build(*, request: PrivacyRequest) -> PrivacyRequest:
    """Build the ZIP for an approved access request, store it, complete the request and e-mail
    the subject the download link. Idempotent: a completed request is returned unchanged."""
    from .request_desk import request_complete

    if request.status == PrivacyRequest.Status.COMPLETED:
        return request
    if request.subject_id is not None:
        subject = Subject.for_user(request.subject)
    else:
        subject = Subject.for_email(request.contact_email)
    data = export_collect(subject)
    now = timezone.now()
    language = getattr(subject.user, "preferred_language", None) or settings.LANGUAGE_CODE
    with translation.override(language):
        segment = customer_segment(subject, now=now)
        summary = render_to_string(
            "privacy/desk/export_summary.html",
            {
                "generated_at": now,
                "categories": [_summary_section(c, data[c.key]) for c in registry.all()],
                "consents": _consent_rows(data.get("consents", [])),
                "processors": _processors(),
                "segment": segment,
            },
        )
    relative = os.path.join(EXPORT_DIR, f"{uuid.uuid4().hex}.zip")
    path = export_file_path(relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.html", summary)
        for key, value in data.items():
            archive.writestr(f"{key}.json", json.dumps(value, ensure_ascii=False, default=str))
        archive.writestr(
            "categorisation.json",
            json.dumps(segment, ensure_ascii=False, indent=2),
        )
    PrivacyRequest.objects.filter(pk=request.pk).update(
        export_path=relative, export_expires_at=now + EXPORT_VALIDITY
    )
    request.refresh_from_db()
    audit_log(
        action="export.generated",
        subject=request.subject_public_id,
        obj=request,
        details={"categories": sorted(data)},
    )
    return request_complete(
        request=request,
        notify="privacy_export_ready",
        context={"download_url": download_url(request)},
    )


def download_token(request: PrivacyRequest) -> str:
    return signing.dumps(str(request.public_id), salt=DOWNLOAD_SALT)


def download_url(request: PrivacyRequest) -> str | None:
    """The signed link, or None when there is no file or it expired."""
    if not request.export_path or not request.export_expires_at:
        return None
    if request.export_expires_at <= timezone.now():
        return None
    return settings.SITE_URL + reverse("privacy:export-download", args=[download_token(request)])


def export_for_token(token: str) -> PrivacyRequest | None:
    """The request a download token belongs to, if valid and its file is still there."""
    try:
        public_id = signing.loads(
            token, salt=DOWNLOAD_SALT, max_age=EXPORT_VALIDITY.total_seconds()
        )
    except signing.BadSignature:
        return None
    request = PrivacyRequest.objects.filter(public_id=public_id).first()
    if request is None or download_url(request) is None:
        return None
    if not os.path.exists(export_file_path(request.export_path)):
        return None
    return request
