"""Reads for the privacy app. `has_consent` is the only way any code asks about consent."""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from .models import ConsentEvent, ConsentSubjectLink, PolicyVersion, PurposeText
from .purposes import COOKIE_PURPOSES, DEFINITIONS, Purpose, PurposeDefinition

# The request desk registers checks here (Art. 18 restriction): any True answers no for everything.
RESTRICTION_CHECKS: list[Callable[[object], bool]] = []

# Cookie choices are asked again after this long (Datatilsynet recommends at most 12 months).
COOKIE_CHOICE_MAX_AGE = timedelta(days=365)


def policy_version_current() -> PolicyVersion | None:
    """The policy version in force today: the newest published one whose date has come."""
    return (
        PolicyVersion.objects.filter(
            published_at__isnull=False, effective_date__lte=timezone.localdate()
        )
        .order_by("-effective_date", "-pk")
        .first()
    )


def policy_versions_published() -> list[PolicyVersion]:
    """Every version in force now or before, newest first (older ones stay readable)."""
    return list(
        PolicyVersion.objects.filter(
            published_at__isnull=False, effective_date__lte=timezone.localdate()
        ).order_by("-effective_date", "-pk")
    )


def policy_version_get(*, version: str) -> PolicyVersion | None:
    """A published version by its slug, also one announced that has not taken effect yet
    (the announcement links to it)."""
    return PolicyVersion.objects.filter(version=version, published_at__isnull=False).first()


def policy_version_upcoming() -> PolicyVersion | None:
    """The next published version whose date has not come: announced, readable, not in force."""
    return (
        PolicyVersion.objects.filter(
            published_at__isnull=False, effective_date__gt=timezone.localdate()
        )
        .order_by("effective_date", "pk")
        .first()
    )


def policy_version_last_material() -> PolicyVersion | None:
    """The newest material change in force: cookie choices older than it are asked again."""
    return (
        PolicyVersion.objects.filter(
            published_at__isnull=False,
            effective_date__lte=timezone.localdate(),
            is_material_change=True,
        )
        .order_by("-effective_date", "-pk")
        .first()
    )


def purpose_text_current(*, purpose: str, at: datetime | None = None) -> PurposeText | None:
    """The wording in force for a purpose (at a moment, for historical questions)."""
    texts = PurposeText.objects.filter(purpose=purpose)
    if at is not None:
        texts = texts.filter(created_at__lte=at)
    return texts.order_by("-version").first()


def purpose_text_versions(*, purposes: Iterable[str]) -> dict[str, int]:
    """The version of the wording in force for each purpose that has one (one query)."""
    versions: dict[str, int] = {}
    for purpose, version in (
        PurposeText.objects.filter(purpose__in=list(purposes))
        .order_by("purpose", "version")
        .values_list("purpose", "version")
    ):
        versions[purpose] = version  # ascending: the newest wins
    return versions


def purpose_wording(*, purpose: str, language: str | None) -> str:
    """The label to show next to a consent choice: the stored current text, which is what the
    ledger row will point at (so the proof is exactly what the person read)."""
    text = purpose_text_current(purpose=purpose)
    return text.text_for(language) if text else str(DEFINITIONS[purpose].description)


def cookie_purpose_choices(
    *, language: str | None
) -> list[tuple[str, PurposeDefinition, str, int | None]]:
    """(purpose, definition, wording, wording version) for the cookie questions: the stored
    current text, so what is shown is exactly what the ledger row will point at (the form sends
    the version back: privacy.forms.ShownWordingMixin)."""
    # Ordered by version, so the newest text of each purpose wins.
    current = {
        text.purpose: text
        for text in PurposeText.objects.filter(purpose__in=COOKIE_PURPOSES).order_by("version")
    }
    choices = []
    for purpose in COOKIE_PURPOSES:
        text = current.get(purpose)
        wording = text.text_for(language) if text else str(DEFINITIONS[purpose].description)
        choices.append((purpose, DEFINITIONS[purpose], wording, text.version if text else None))
    return choices


def _is_user(subject: object) -> bool:
    return isinstance(subject, get_user_model())


def subject_ids(subject: object) -> list[uuid.UUID]:
    """Every ledger subject id that speaks for this person.

    A user speaks through their public_id and every anonymous consent id linked at login; an
    anonymous consent id linked to a user speaks for that user (a withdrawal in the privacy
    centre must also stop the tags in the same browser after logout).
    """
    if subject is None:
        return []
    if _is_user(subject):
        if subject.pk is None:
            return []
        user_public_id = subject.public_id
    else:
        try:
            consent_id = uuid.UUID(str(subject))
        except ValueError:
            return []
        link = ConsentSubjectLink.objects.filter(consent_id=consent_id).first()
        if link is None:
            return [consent_id]
        user_public_id = link.user_public_id
    return _user_subject_ids([user_public_id])[user_public_id]


def _user_subject_ids(public_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """subject_ids for users, by public_id, in one query: their own id and the linked ones."""
    ids: dict[uuid.UUID, list[uuid.UUID]] = {public_id: [public_id] for public_id in public_ids}
    links = ConsentSubjectLink.objects.filter(user_public_id__in=public_ids).values_list(
        "user_public_id", "consent_id"
    )
    for user_public_id, consent_id in links:
        ids[user_public_id].append(consent_id)
    return ids


def subject_restricted(subject: object) -> bool:
    return _is_user(subject) and any(check(subject) for check in RESTRICTION_CHECKS)


def consent_event_latest(
    *, subject: object, purpose: str, at: datetime | None = None
) -> ConsentEvent | None:
    ids = subject_ids(subject)
    if not ids:
        return None
    return _consent_events(ids, purpose=purpose, at=at).order_by(*_NEWEST_FIRST).first()


# "The newest choice": by time, and for rows written in the same instant the later row.
_NEWEST_FIRST = ("-created_at", "-pk")


def _consent_events(ids: list[uuid.UUID], *, purpose: str, at: datetime | None):
    """The ledger rows that can answer for these subject ids (at `at`, default now)."""
    events = ConsentEvent.objects.filter(subject_id__in=ids, purpose=purpose)
    if at is not None:
        events = events.filter(created_at__lte=at)
    return events


def _grant_in_force(event: ConsentEvent | None, current: PurposeText | None) -> bool:
    """What "has consent" means once restriction is settled: the newest choice is a grant,
    given for the purpose text in force (a changed wording needs a new answer)."""
    if event is None or not event.granted:
        return False
    return current is None or event.purpose_text_id == current.pk


def _check_purpose(purpose: str) -> None:
    if purpose not in Purpose.values:
        raise ValueError(f"Unknown consent purpose: {purpose!r}")


def has_consent(
    *,
    subject: object,
    purpose: str,
    at: datetime | None = None,
    honour_restriction: bool = True,
) -> bool:
    """Whether `subject` (a User or an anonymous consent id) has consented to `purpose`.

    True only when the newest choice (at `at`, default now) is a grant given for the purpose
    text still in force: when the wording of a purpose changes, earlier consent no longer
    covers it and the person is asked again. Restricted subjects (Art. 18) answer no, unless
    `honour_restriction=False`: only for processing that Art. 18(2) still allows on consent
    (booking SMS, see notifications/policy.py).
    Raises ValueError for an unknown purpose (a typo must not silently mean "no").
    """
    _check_purpose(purpose)
    if honour_restriction and subject_restricted(subject):
        return False
    event = consent_event_latest(subject=subject, purpose=purpose, at=at)
    if event is None or not event.granted:
        return False
    return _grant_in_force(event, purpose_text_current(purpose=purpose, at=at))


def consents_for_users(
    *,
    users: list,
    purpose: str,
    at: datetime | None = None,
    honour_restriction: bool = True,
) -> dict[int, bool]:
    """has_consent for many users at once, by user pk: the answer has_consent gives each.

    For senders working through a batch (the outbox): three queries whatever the number of
    users (links, the newest ledger row per subject id, the purpose text), plus the
    restriction checks when `honour_restriction` (one each per user: the request desk
    registers them per subject). Unsaved users answer no, as in has_consent.
    """
    _check_purpose(purpose)
    saved = {user.pk: user for user in users if user is not None and user.pk is not None}
    answers = dict.fromkeys(saved, False)
    if honour_restriction:
        saved = {pk: user for pk, user in saved.items() if not subject_restricted(user)}
    if not saved:
        return answers
    ids_by_user = _user_subject_ids([user.public_id for user in saved.values()])
    # A consent id is linked to one user (unique), but be exact if that ever changes.
    owners: dict[uuid.UUID, list[uuid.UUID]] = {}
    for public_id, ids in ids_by_user.items():
        for subject_id in ids:
            owners.setdefault(subject_id, []).append(public_id)
    # The newest row per subject id (PostgreSQL DISTINCT ON), then the newest of a user's ids:
    # the same row `consent_event_latest` would pick among all of them.
    newest: dict[uuid.UUID, ConsentEvent] = {}
    events = (
        _consent_events(list(owners), purpose=purpose, at=at)
        .order_by("subject_id", *_NEWEST_FIRST)
        .distinct("subject_id")
    )
    for event in events:
        for public_id in owners[event.subject_id]:
            held = newest.get(public_id)
            if held is None or (event.created_at, event.pk) > (held.created_at, held.pk):
                newest[public_id] = event
    current = purpose_text_current(purpose=purpose, at=at)
    for pk, user in saved.items():
        answers[pk] = _grant_in_force(newest.get(user.public_id), current)
    return answers


@dataclass(frozen=True)
class ConsentState:
    purpose: str
    definition: PurposeDefinition
    granted: bool
    updated_at: datetime | None
    # A grant given for an older wording: shown as "off, please choose again".
    needs_renewal: bool
    text: PurposeText | None
    # The newest answer (yes or no) was given to the wording in force now.
    answered_current_text: bool = False


def consent_states(*, subject: object) -> list[ConsentState]:
    """The current state of every purpose for a subject, in the order of the definitions."""
    ids = subject_ids(subject)
    latest: dict[str, ConsentEvent] = {}
    if ids:
        for event in ConsentEvent.objects.filter(subject_id__in=ids).order_by(
            "purpose", "-created_at", "-pk"
        ):
            latest.setdefault(event.purpose, event)
    current_texts = {
        text.purpose: text for text in PurposeText.objects.order_by("purpose", "version")
    }
    restricted = subject_restricted(subject)
    states = []
    for purpose, definition in DEFINITIONS.items():
        event = latest.get(purpose)
        text = current_texts.get(purpose)
        stale = bool(event and event.granted and text and event.purpose_text_id != text.pk)
        states.append(
            ConsentState(
                purpose=purpose,
                definition=definition,
                granted=bool(event and event.granted and not stale and not restricted),
                updated_at=event.created_at if event else None,
                needs_renewal=stale,
                text=text,
                answered_current_text=bool(
                    event and (text is None or event.purpose_text_id == text.pk)
                ),
            )
        )
    return states


def cookie_choice_needed(
    *, subject: object, now: datetime | None = None, states: list[ConsentState] | None = None
) -> bool:
    """Whether the cookie banner must ask: never asked, asked >12 months ago, the policy
    changed materially since, or the wording of a cookie purpose changed.

    `states` (from `consent_states`) saves the queries when the caller already has them.
    """
    now = now or timezone.now()
    if subject is None:
        return True
    if states is None:
        states = consent_states(subject=subject)
    material = policy_version_last_material()
    for state in states:
        if state.purpose not in COOKIE_PURPOSES:
            continue
        if state.updated_at is None or now - state.updated_at > COOKIE_CHOICE_MAX_AGE:
            return True
        if material is not None and state.updated_at < material.published_at:
            return True
        if not state.answered_current_text:
            return True
    return False


def consent_events_for_subject(*, subject: object) -> list[ConsentEvent]:
    """Every ledger row for a subject, oldest first, with the texts it referred to."""
    return list(
        ConsentEvent.objects.filter(subject_id__in=subject_ids(subject))
        .select_related("policy_version", "purpose_text")
        .order_by("created_at", "pk")
    )


def privacy_signal_refuses(*, request) -> bool:
    """Global Privacy Control (`Sec-GPC: 1`) or Do Not Track (`DNT: 1`) in the request.

    Both are honoured as a refusal of analytics and advertising, whatever the ledger says.
    """
    if request is None:
        return False
    headers = request.headers
    return headers.get("Sec-GPC", "").strip() == "1" or headers.get("DNT", "").strip() == "1"


def consent_cookie_name() -> str:
    return getattr(settings, "CONSENT_COOKIE_NAME", "bt_consent_id")


__all__ = [
    "ConsentState",
    "consent_cookie_name",
    "consent_event_latest",
    "consent_events_for_subject",
    "consent_states",
    "consents_for_users",
    "cookie_choice_needed",
    "has_consent",
    "policy_version_current",
    "policy_version_get",
    "policy_version_last_material",
    "policy_version_upcoming",
    "policy_versions_published",
    "privacy_signal_refuses",
    "purpose_text_current",
    "purpose_wording",
    "subject_ids",
]


def processors_active() -> list:
    from .models import Processor

    return list(Processor.objects.filter(is_active=True).order_by("order", "name"))
