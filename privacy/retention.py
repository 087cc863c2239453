"""The retention sweep: apply every enabled rule as of a moment, in set-based batches.

Each rule counts (dry run) or deletes/anonymises rows older than its cut-off with
`queryset.update()`/`delete()` over primary-key ranges, never a Python loop per row on large
tables. The only per-row work is per PERSON (inactivity warnings and deletions), which is rare.
Defaults and their reasons: docs/RETENTION.md; the DPO edits periods in the admin.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import F, Max, Min, Q
from django.utils import timezone

from .audit import audit_log
from .models import PrivacyRequest, RetentionRule, SweepRun

logger = logging.getLogger(__name__)

BATCH = 50_000


@dataclass(frozen=True)
class RuleDefinition:
    key: str
    category: str
    description: str
    default_days: int
    apply: Callable[[datetime, datetime, bool], int]  # (cutoff, as_of, dry_run) -> rows


def _in_pk_batches(queryset, action: Callable, dry_run: bool) -> int:
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


def _delete(queryset) -> int:
    # A raw DELETE: no per-row signals or collection (the rows have no dependants or their
    # dependants are handled by the rule first).
    return queryset._raw_delete(queryset.db)


# --- Rules -----------------------------------------------------------------------------------


def _payment_holds(cutoff, as_of, dry_run) -> int:
    from payments.models import Order

    # Never paid: nothing the Accounting Act needs; the booking hold itself expired long ago.
    queryset = Order.objects.filter(
        created_at__lt=cutoff,
        status__in=[Order.Status.OPEN, Order.Status.CANCELLED],
        paid_at__isnull=True,
    ).exclude(customer_name="", customer_email="")
    return _in_pk_batches(
        queryset, lambda qs: qs.update(customer_name="", customer_email=""), dry_run
    )


def _contact_messages(cutoff, as_of, dry_run) -> int:
    from .models import ContactMessage
    from .services.contact import contact_outbox_copies_redact

    deleted = _in_pk_batches(ContactMessage.objects.filter(created_at__lt=cutoff), _delete, dry_run)
    if not dry_run:
        # The e-mail the form sent to us carries the same text: it goes with the copy.
        contact_outbox_copies_redact(created_before=cutoff)
    return deleted


def _outbox_bodies(cutoff, as_of, dry_run) -> int:
    from notifications.services import message_redaction_values, messages_redactable

    return _in_pk_batches(
        messages_redactable(created_before=cutoff),
        lambda qs: qs.update(**message_redaction_values()),
        dry_run,
    )


def _outbox_metadata(cutoff, as_of, dry_run) -> int:
    from notifications.models import InboundEvent, Message

    queryset = Message.objects.filter(
        created_at__lt=cutoff, status__in=[*Message.FINAL_STATUSES, Message.Status.SENT]
    )

    def action(batch) -> int:
        _delete(InboundEvent.objects.filter(message__in=batch.values("pk")))
        return _delete(batch)

    return _in_pk_batches(queryset, action, dry_run)


def _erasure_confirmations(cutoff, as_of, dry_run) -> int:
    from notifications.services import message_redaction_values, messages_redactable

    from .erasure import ERASURE_CONFIRMATION_TEMPLATE

    return _in_pk_batches(
        messages_redactable(created_before=cutoff).filter(
            template_key=ERASURE_CONFIRMATION_TEMPLATE
        ),
        lambda qs: qs.update(**message_redaction_values()),
        dry_run,
    )


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
    return _in_pk_batches(queryset, _delete, dry_run)


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


def _bookings_of_deleted(cutoff, as_of, dry_run) -> int:
    from bookings.models import Booking

    queryset = Booking.objects.filter(customer__isnull=True).filter(
        ~Q(customer_notes="") | ~Q(cancellation_reason="") | ~Q(idempotency_key="")
    )
    return _in_pk_batches(
        queryset,
        lambda qs: qs.update(
            customer_notes="",
            cancellation_reason="",
            idempotency_key="",
            idempotency_fingerprint="",
        ),
        dry_run,
    )


def _booking_notes(cutoff, as_of, dry_run) -> int:
    from bookings.models import Booking

    queryset = (
        Booking.objects.filter(end__lt=cutoff)
        .exclude(customer_notes="")
        .exclude(status__in=Booking.BLOCKING_STATUSES)
    )
    return _in_pk_batches(queryset, lambda qs: qs.update(customer_notes=""), dry_run)


def _with_last_activity(users):
    """Annotate `last_activity`: the latest login, booking made for the person (online or by
    phone) or payment, falling back to when the account was created."""
    from django.db.models import DateTimeField, OuterRef, Subquery
    from django.db.models.functions import Coalesce, Greatest

    from bookings.models import Booking
    from payments.models import Payment

    def latest(queryset, field: str):
        return Coalesce(
            Subquery(queryset.order_by(f"-{field}").values(field)[:1]),
            F("date_joined"),
            output_field=DateTimeField(),
        )

    # Coalesce each part: on SQLite GREATEST(...) is NULL as soon as one argument is.
    return users.annotate(
        last_activity=Greatest(
            Coalesce(F("last_login"), F("date_joined")),
            latest(Booking.objects.filter(customer=OuterRef("pk")), "created_at"),
            latest(Payment.objects.filter(order__customer=OuterRef("pk")), "created_at"),
            output_field=DateTimeField(),
        )
    )


def _inactive_users(cutoff, as_of):
    """Customers with no activity since `cutoff` and nothing booked ahead of `as_of`."""
    from django.contrib.auth import get_user_model

    from bookings.models import Booking

    upcoming = Booking.objects.filter(status__in=Booking.BLOCKING_STATUSES, end__gt=as_of).values(
        "customer_id"
    )
    return (
        _with_last_activity(get_user_model().objects.filter(is_staff=False, is_superuser=False))
        .filter(last_activity__lt=cutoff)
        .exclude(pk__in=upcoming)
        .exclude(supplier_membership__isnull=False)
    )


def _inactive_warn(cutoff, as_of, dry_run) -> int:
    from notifications.services import message_enqueue

    from .models import SubjectFlag

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
                message_enqueue(
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


def _accounting_records(cutoff, as_of, dry_run) -> int:
    from payments.models import Order, Payment, Refund

    today = timezone.localdate(as_of)
    orders = Order.objects.filter(retain_until__lt=today).filter(
        ~Q(customer_name="") | ~Q(customer_email="") | Q(customer__isnull=False)
    )
    count = _in_pk_batches(
        orders, lambda qs: qs.update(customer=None, customer_name="", customer_email=""), dry_run
    )
    payments = Payment.objects.filter(retain_until__lt=today).filter(
        ~Q(provider_data={}) | ~Q(redirect_url="")
    )
    count += _in_pk_batches(
        payments, lambda qs: qs.update(provider_data={}, redirect_url=""), dry_run
    )
    refunds = Refund.objects.filter(retain_until__lt=today).filter(
        ~Q(note="") | Q(created_by__isnull=False)
    )
    count += _in_pk_batches(refunds, lambda qs: qs.update(note="", created_by=None), dry_run)
    return count


def _expired_sessions(cutoff, as_of, dry_run) -> int:
    # Session keys are strings (no pk ranges); the table is small and has no dependants.
    expired = Session.objects.filter(expire_date__lt=as_of)
    return expired.count() if dry_run else expired.delete()[0]


RULES: tuple[RuleDefinition, ...] = (
    RuleDefinition(
        "payment_holds_abandoned",
        "payments",
        "Name and e-mail removed from orders never paid",
        1,
        _payment_holds,
    ),
    RuleDefinition(
        "contact_messages", "contact_messages", "Contact-form copies deleted", 90, _contact_messages
    ),
    # Deleting first: messages past a year need no redaction before they go.
    RuleDefinition(
        "outbox_metadata",
        "outbox_messages",
        "Record of sent messages deleted",
        365,
        _outbox_metadata,
    ),
    RuleDefinition(
        "outbox_bodies",
        "outbox_messages",
        "Text and address of sent messages blanked",
        90,
        _outbox_bodies,
    ),
    RuleDefinition(
        "erasure_confirmations",
        "outbox_messages",
        "Address of sent erasure confirmations blanked",
        0,
        _erasure_confirmations,
    ),
    RuleDefinition(
        "dsar_exports",
        "dsar_exports",
        "Export ZIP files deleted when the link expires",
        7,
        _dsar_exports,
    ),
    RuleDefinition(
        "unverified_requests",
        "privacy_requests",
        "Guest requests never confirmed deleted",
        7,
        _unverified_requests,
    ),
    RuleDefinition(
        "anonymous_consents",
        "consents",
        "Cookie choices of anonymous visitors deleted",
        396,
        _anonymous_consents,
    ),
    RuleDefinition(
        "consents_of_erased",
        "consents",
        "Consent ledger of deleted accounts deleted",
        1095,
        _consents_of_erased,
    ),
    RuleDefinition(
        "bookings_of_deleted",
        "bookings",
        "Bookings of deleted accounts anonymised",
        0,
        _bookings_of_deleted,
    ),
    RuleDefinition(
        "booking_notes", "bookings", "Notes of past bookings blanked", 730, _booking_notes
    ),
    RuleDefinition(
        "inactive_accounts_warn",
        "account",
        "Inactive accounts warned by e-mail or SMS",
        1095,
        _inactive_warn,
    ),
    RuleDefinition(
        "inactive_accounts_delete",
        "account",
        "Warned inactive accounts erased",
        30,
        _inactive_delete,
    ),
    RuleDefinition(
        "accounting_records",
        "payments",
        "Accounting records anonymised after the Accounting Act period",
        0,
        _accounting_records,
    ),
    RuleDefinition(
        "sessions_expired", "sessions", "Expired login sessions deleted", 0, _expired_sessions
    ),
)
RULES_BY_KEY = {rule.key: rule for rule in RULES}


def retention_rules_seed() -> int:
    """Create missing rules with their documented defaults (never overwrites the DPO's)."""
    created = 0
    for rule in RULES:
        _, was_created = RetentionRule.objects.get_or_create(
            key=rule.key,
            defaults={
                "category": rule.category,
                "description": rule.description,
                "period_days": rule.default_days,
            },
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
    return RULES_BY_KEY[key].apply(as_of - timedelta(days=rule.period_days), as_of, False)


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
