"""Consent proof for one subject (GDPR Art. 7(1)): every ledger event with the texts it cites."""

import csv
import io
import uuid

from django.contrib.auth import get_user_model
from django.utils import timezone

from .selectors import consent_events_for_subject, subject_ids


def subject_resolve(*, query: str) -> object | None:
    """A User (by e-mail or public id) or an anonymous consent id, from what the DPO typed."""
    query = (query or "").strip()
    if not query:
        return None
    users = get_user_model().objects
    if "@" in query:
        return users.filter(email__iexact=query).first()
    try:
        as_uuid = uuid.UUID(query)
    except ValueError:
        return None
    return users.filter(public_id=as_uuid).first() or as_uuid


def consent_proof(*, subject: object) -> dict:
    """The evidence as a dict (serialised as JSON, or flattened to CSV)."""
    events = consent_events_for_subject(subject=subject)
    user_model = get_user_model()
    is_user = isinstance(subject, user_model)
    policies, texts, rows = {}, {}, []
    for event in events:
        policy, text = event.policy_version, event.purpose_text
        policies.setdefault(
            policy.version,
            {
                "version": policy.version,
                "effective_date": policy.effective_date.isoformat(),
                "published_at": policy.published_at.isoformat() if policy.published_at else None,
                "material_change": policy.is_material_change,
                "text_nb": policy.body_nb,
                "text_en": policy.body_en,
            },
        )
        texts.setdefault(
            f"{text.purpose}:v{text.version}",
            {
                "purpose": text.purpose,
                "version": text.version,
                "legal_basis": text.legal_basis,
                "text_nb": text.text_nb,
                "text_en": text.text_en,
                "created_at": text.created_at.isoformat(),
            },
        )
        rows.append(
            {
                "event_id": event.pk,
                "time": event.created_at.isoformat(),
                "subject_type": event.subject_type,
                "subject_id": str(event.subject_id),
                "purpose": event.purpose,
                "decision": "granted" if event.granted else "withdrawn",
                "source": event.source,
                "policy_version": policy.version,
                "purpose_text": f"{text.purpose}:v{text.version}",
                "ip_truncated": event.ip_truncated,
                "user_agent": event.user_agent,
            }
        )
    return {
        "generated_at": timezone.now().isoformat(),
        "subject": {
            "type": "user" if is_user else "anonymous",
            "public_id": str(subject.public_id) if is_user else str(subject),
            "email": subject.email if is_user else None,
            "linked_ids": [str(i) for i in subject_ids(subject)],
        },
        "events": rows,
        "purpose_texts": list(texts.values()),
        "policy_versions": list(policies.values()),
    }


CSV_COLUMNS = [
    "event_id",
    "time",
    "subject_type",
    "subject_id",
    "purpose",
    "decision",
    "source",
    "policy_version",
    "policy_effective_date",
    "purpose_text",
    "legal_basis",
    "purpose_text_nb",
    "purpose_text_en",
    "ip_truncated",
    "user_agent",
]


def consent_proof_csv(*, proof: dict) -> str:
    """One row per event, with the purpose text it referred to spelled out."""
    texts = {f"{t['purpose']}:v{t['version']}": t for t in proof["purpose_texts"]}
    policies = {p["version"]: p for p in proof["policy_versions"]}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for row in proof["events"]:
        text = texts[row["purpose_text"]]
        writer.writerow(
            {
                **row,
                "policy_effective_date": policies[row["policy_version"]]["effective_date"],
                "legal_basis": text["legal_basis"],
                "purpose_text_nb": text["text_nb"],
                "purpose_text_en": text["text_en"],
            }
        )
    return out.getvalue()
