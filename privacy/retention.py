"""The retention sweep: apply every enabled rule as of a moment, in set-based batches.

Each rule counts (dry run) or deletes/anonymises rows older than its cut-off with
`queryset.update()`/`delete()` over primary-key ranges, never a Python loop per row on large
tables. The only per-row work is per PERSON (inactivity warnings and deletions), which is rare.
Defaults and their reasons: docs/RETENTION.md; the DPO edits periods in the admin.

Privacy keeps the engine (the registry, the RetentionRule rows, the sweep, dry runs, --as-of) and
its own rules; every other app declares the rules for its own tables in its personal_data.py
with `retention_rule_register`, using `in_pk_batches`/`raw_delete` from here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Max, Min, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import hooks
from .audit import audit_log
from .models import PrivacyRequest, RetentionRule, SweepRun

logger = logging.getLogger(__name__)

BATCH = 50_000


@dataclass(frozen=True)
class RuleDefinition:
    key: str
    category: str
    # What the rule does, in words for the DPO: a lazily translated string (gettext_lazy), so
    # the admin shows it in the reader's language. The code owns it, as it owns what the rule
    # does; the DPO's RetentionRule row holds only the period and whether the rule runs.
    description: str | Promise
    default_days: int
    apply: Callable[[datetime, datetime, bool], int]  # (cutoff, as_of, dry_run) -> rows
    # Sweep order: lower first (e.g. a record deleted first needs no redaction before it goes).
    order: int = 500


class RuleRegistry:
    """Every app's retention rules, registered from its personal_data.py; iterates in order."""

    def __init__(self) -> None:
        self._rules: dict[str, RuleDefinition] = {}

    def register(self, rule: RuleDefinition) -> RuleDefinition:
        self._rules[rule.key] = rule
        return rule

    def get(self, key: str) -> RuleDefinition:
        return self._rules[key]

    def __iter__(self):
        return iter(sorted(self._rules.values(), key=lambda rule: (rule.order, rule.key)))

    def __len__(self) -> int:
        return len(self._rules)


RULES = RuleRegistry()


def retention_rule_register(rule: RuleDefinition) -> RuleDefinition:
    """Declare a rule (from an app's personal_data.py); its key names the DPO's RetentionRule.
    Give `description` as gettext_lazy text: it is shown in the reader's language."""
    return RULES.register(rule)


def retention_rule_description(key: str) -> str:
    """What the rule `key` does, in the active language; the key itself for a rule the code no
    longer has (its row stays for the record, and the sweep skips it)."""
    try:
        return str(RULES.get(key).description)
    except KeyError:
        return key


def in_pk_batches(queryset, action: Callable, dry_run: bool) -> int:
    """Count (dry run) or apply `action(batch_queryset) -> int` over pk ranges of BATCH."""
    if dry_run:
        return queryset.count()
    bounds = queryset.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return 0
    total = 0
    low = bounds["low"]
    while low <= bounds["high"]:
        with transaction.atomic():
            total += action(queryset.filter(pk__gte=low, pk__lt=low + BATCH))
        low += BATCH
    return total


def raw_delete(queryset) -> int:
    # A raw DELETE: no per-row signals or collection (the rows have no dependants or their
    # dependants are handled by the rule first).
    return queryset._raw_delete(queryset.db)


# --- Rules -----------------------------------------------------------------------------------


def _contact_messages(cutoff, as_of, dry_run) -> int:
    from .models import ContactMessage
    from .services.contact import contact_outbox_copies_redact

    deleted = in_pk_batches(
        ContactMessage.objects.filter(created_at__lt=cutoff), raw_delete, dry_run
    )
    if not dry_run:
        # The e-mail the form sent to us carries the same text: it goes with the copy.
        contact_outbox_copies_redact(created_before=cutoff)
    return deleted


def _dsar_exports(cutoff, as_of, dry_run) -> int:
    from .export import export_file_delete

    queryset = PrivacyRequest.objects.filter(export_expires_at__lt=as_of).exclude(export_path="")
    if dry_run:
        return queryset.count()
    paths = list(queryset.values_list("pk", "export_path"))
    for _pk, path in paths:  # one file per request: files cannot be removed set-based
        export_file_delete(path)
    queryset.filter(pk__in=[pk for pk, _ in paths]).update(export_path="", export_expires_at=None)
    return len(paths)


def _unverified_requests(cutoff, as_of, dry_run) -> int:
    # A guest who never opened the confirmation link: the request never counted, and the
    # address it holds has no purpose once the link has expired.
    queryset = PrivacyRequest.objects.filter(
        status=PrivacyRequest.Status.UNVERIFIED, created_at__lt=cutoff
    )
    return in_pk_batches(queryset, raw_delete, dry_run)


def _anonymous_consents(cutoff, as_of, dry_run) -> int:
    from .ledger_guard import ledger_purge
    from .models import ConsentEvent, ConsentSubjectLink

    queryset = ConsentEvent.objects.filter(
        subject_type=ConsentEvent.SubjectType.ANONYMOUS, created_at__lt=cutoff
    ).exclude(subject_id__in=ConsentSubjectLink.objects.values("consent_id"))
    if dry_run:
        return queryset.count()
    return ledger_purge(rule="anonymous_consents", queryset=queryset, cutoff=cutoff)


def _erased_public_ids(before: datetime):
    return (
        PrivacyRequest.objects.filter(
            type=PrivacyRequest.Type.ERASURE,
            status=PrivacyRequest.Status.COMPLETED,
            completed_at__lt=before,
        )
        .exclude(subject_public_id=None)
        .values("subject_public_id")
    )


def _consents_of_erased(cutoff, as_of, dry_run) -> int:
    from django.contrib.auth import get_user_model

    from .ledger_guard import ledger_purge
    from .models import ConsentEvent, ConsentSubjectLink, MarketingListSync

    # Only people whose account is really gone (a replay may have brought one back).
    erased = _erased_public_ids(cutoff).exclude(
        subject_public_id__in=get_user_model().objects.values("public_id")
    )
    links = ConsentSubjectLink.objects.filter(user_public_id__in=erased)
    queryset = ConsentEvent.objects.filter(
        Q(subject_id__in=erased) | Q(subject_id__in=links.values("consent_id"))
    )
    if dry_run:
        return queryset.count()
    with transaction.atomic():
        deleted = ledger_purge(rule="consents_of_erased", queryset=queryset, cutoff=cutoff)
        links.delete()
        MarketingListSync.objects.filter(user_public_id__in=erased).delete()
    return deleted


def _with_last_activity(users):
    """Annotate `last_activity`: the latest login or activity an app declared (a booking made
    for the person, online or by phone; a payment), falling back to when the account was
    created."""
    from django.db.models import DateTimeField, OuterRef, Subquery
    from django.db.models.functions import Coalesce, Greatest

    def latest(queryset, field: str):
        return Coalesce(
            Subquery(queryset.order_by(f"-{field}").values(field)[:1]),
            F("date_joined"),
            output_field=DateTimeField(),
        )

    # Coalesce each part: on SQLite GREATEST(...) is NULL as soon as one argument is.
    parts = [Coalesce(F("last_login"), F("date_joined"))]
    parts += [
        latest(source.rows(OuterRef("pk")), source.field) for source in hooks.activity_sources
    ]
    if len(parts) == 1:
        return users.annotate(last_activity=parts[0])
    return users.annotate(last_activity=Greatest(*parts, output_field=DateTimeField()))


def _inactive_users(cutoff, as_of):
    """Customers with no activity since `cutoff` and nothing an app exempts them for (a booking
    ahead of `as_of`, supplier staff)."""
    from django.contrib.auth import get_user_model

    users = _with_last_activity(
        get_user_model().objects.filter(is_staff=False, is_superuser=False)
    ).filter(last_activity__lt=cutoff)
    for exempt in hooks.inactivity_exemptions:
        users = exempt(users, as_of)
    return users


def _inactive_warn(cutoff, as_of, dry_run) -> int:
    from .models import SubjectFlag
    from .notices import notice_send

    # Not warned in this cycle: never, or before the activity that restarted the clock.
    users = _inactive_users(cutoff, as_of).filter(
        Q(privacy_flag__inactivity_warned_at__isnull=True)
        | Q(privacy_flag__inactivity_warned_at__lt=F("last_activity"))
    )
    if dry_run:
        return users.count()
    warned = 0
    for user in users.order_by("pk")[:5000].iterator():
        with transaction.atomic():
            # The flag starts the 30 days before deletion for everyone, also for a record we
            # have no way to reach: it is then erased after the same period, unwarned.
            SubjectFlag.objects.update_or_create(
                user=user, defaults={"inactivity_warned_at": as_of}
            )
            channel = _inactivity_notice_channel(user)
            if channel:
                notice_send(
                    template_key="privacy_inactivity_warning",
                    channel=channel,
                    idempotency_key=(
                        f"privacy-inactive-{user.public_id}-{as_of.date().isoformat()}"
                    ),
                    recipient=user,
                    context={"delete_on": (as_of + timedelta(days=30)).date()},
                )
        warned += 1
    return warned


def _inactivity_notice_channel(user) -> str:
    """How the deletion notice reaches `user`: "email", "sms", or "" when it cannot.

    E-mail to the login address, or to the contact address of a customer booked by phone (the
    one their booking messages use); a customer booked by phone with only a mobile number gets
    an SMS, a service message that notifications/policy.py lets through without the optional
    SMS consent (the reasons are there). With neither the record is deleted unwarned.
    """
    if user.message_email:
        return "email"
    if user.phone:
        return "sms"
    return ""


def _inactive_delete(cutoff, as_of, dry_run) -> int:
    from .erasure import subject_erase
    from .registry import Subject

    # Warned before the cut-off, and no login, booking or payment since the warning (the
    # booking check also spares someone staff booked by phone after the warning).
    users = (
        _inactive_users(cutoff, as_of)
        .filter(privacy_flag__inactivity_warned_at__lt=cutoff)
        .filter(last_activity__lt=F("privacy_flag__inactivity_warned_at"))
    )
    if dry_run:
        return users.count()
    erased = 0
    for user in users.order_by("pk")[:1000]:
        subject_erase(subject=Subject.for_user(user))
        erased += 1
    return erased


# Privacy's own rules. The sweep runs every app's rules by `order`: payment_holds_abandoned 10,
# contact_messages 20, outbox_metadata 30, outbox_bodies 40, erasure_confirmations 50,
# dsar_exports 60, unverified_requests 70, anonymous_consents 80, consents_of_erased 90,
# bookings_of_deleted 100, booking_notes 110, inactive_accounts_warn 120,
# inactive_accounts_delete 130, accounting_records 140, sessions_expired 150.
PRIVACY_RULES: tuple[RuleDefinition, ...] = (
    RuleDefinition(
        "contact_messages",
        "contact_messages",
        _("Contact-form copies deleted"),
        90,
        _contact_messages,
        order=20,
    ),
    RuleDefinition(
        "dsar_exports",
        "dsar_exports",
        _("Export ZIP files deleted when the link expires"),
        7,
        _dsar_exports,
        order=60,
    ),
    RuleDefinition(
        "unverified_requests",
        "privacy_requests",
        _("Guest requests never confirmed deleted"),
        7,
        _unverified_requests,
        order=70,
    ),
    RuleDefinition(
        "anonymous_consents",
        "consents",
        _("Cookie choices of anonymous visitors deleted"),
        396,
        _anonymous_consents,
        order=80,
    ),
    RuleDefinition(
        "consents_of_erased",
        "consents",
        _("Consent ledger of deleted accounts deleted"),
        1095,
        _consents_of_erased,
        order=90,
    ),
    # The account's own activity is its login; the apps above declare theirs (hooks.py).
    RuleDefinition(
        "inactive_accounts_warn",
        "account",
        _("Inactive accounts warned by e-mail or SMS"),
        1095,
        _inactive_warn,
        order=120,
    ),
    RuleDefinition(
        "inactive_accounts_delete",
        "account",
        _("Warned inactive accounts erased"),
        30,
        _inactive_delete,
        order=130,
    ),
)


def retention_rules_seed() -> int:
    """Create missing rules with their documented defaults (never overwrites the DPO's)."""
    created = 0
    for rule in RULES:
        _row, was_created = RetentionRule.objects.get_or_create(
            key=rule.key,
            defaults={"category": rule.category, "period_days": rule.default_days},
        )
        created += was_created
    return created


def _apply_rules(as_of: datetime, dry_run: bool) -> dict[str, int]:
    retention_rules_seed()
    periods = {rule.key: rule.period_days for rule in RetentionRule.objects.filter(enabled=True)}
    counts: dict[str, int] = {}
    for rule in RULES:
        if rule.key not in periods:
            continue
        cutoff = as_of - timedelta(days=periods[rule.key])
        try:
            counts[rule.key] = rule.apply(cutoff, as_of, dry_run)
        except Exception:
            # One broken rule must not stop the others; it is reported and retried next night.
            logger.exception("retention rule failed", extra={"rule": rule.key})
            counts[rule.key] = -1
    return counts


def retention_rule_apply(*, key: str, as_of: datetime | None = None) -> int:
    """Apply one rule on its own with the period the DPO set; 0 while the DPO paused it."""
    retention_rules_seed()
    rule = RetentionRule.objects.filter(key=key, enabled=True).first()
    if rule is None:
        return 0
    as_of = as_of or timezone.now()
    return RULES.get(key).apply(as_of - timedelta(days=rule.period_days), as_of, False)


def contact_messages_purge(*, now: datetime | None = None) -> int:
    """Delete the database copies older than the DPO's retention rule `contact_messages` (the
    one period; the nightly sweep applies the same rule), with their outbox e-mails' text.
    Idempotent; returns how many copies were deleted; 0 while the DPO paused the rule."""
    return retention_rule_apply(key="contact_messages", as_of=now)


def retention_preview(*, as_of: datetime | None = None) -> dict[str, int]:
    """What the next sweep would do (counts per rule), without recording a run."""
    return _apply_rules(as_of or timezone.now(), dry_run=True)


def retention_sweep(*, as_of: datetime | None = None, dry_run: bool = False) -> SweepRun:
    """Apply every enabled rule as of `as_of` (default now); log counts per rule and audit it.

    A rule that fails is logged and reported as -1; the others still run (the next night
    retries it). Safe to run alongside normal traffic: every batch is a short transaction.
    """
    as_of = as_of or timezone.now()
    run = SweepRun.objects.create(as_of=as_of, dry_run=dry_run, counts={})
    counts = _apply_rules(as_of, dry_run)
    SweepRun.objects.filter(pk=run.pk).update(counts=counts, finished_at=timezone.now())
    run.refresh_from_db()
    if not dry_run:
        audit_log(
            action="retention.swept",
            obj=run,
            details={"as_of": as_of.isoformat(), "counts": counts},
        )
    logger.info("retention sweep", extra={"dry_run": dry_run, "counts": counts})
    return run
