"""Publishing privacy policy versions and telling users about material changes."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from ..models import PolicyVersion
from ..notices import notice_send
from ..publish import policy_change_announce

logger = logging.getLogger(__name__)

NOTIFY_BATCH_SIZE = 200


def policy_version_publish(*, version: PolicyVersion) -> PolicyVersion:
    """Publish a version (idempotent). A material change queues the e-mail to every active user.

    Consent is asked again where a purpose's wording changed: add the new `PurposeText` rows
    (pointing at this version) before publishing; `has_consent` then no longer counts grants
    given for the old wording, and the cookie banner asks again after a material change.
    """
    with transaction.atomic():
        locked = PolicyVersion.objects.select_for_update().get(pk=version.pk)
        if locked.published_at is not None:
            return locked
        locked.published_at = timezone.now()
        locked.save(update_fields=["published_at"])
        if locked.is_material_change and not _is_first_version(locked):
            policy_change_announce(locked.pk)
    return locked


def _is_first_version(version: PolicyVersion) -> bool:
    """No published version comes before it: a new install's first policy is not a "change",
    so nobody is told it was updated (it is what they agreed to at sign-up)."""
    earlier = Q(effective_date__lt=version.effective_date) | Q(
        effective_date=version.effective_date, pk__lt=version.pk
    )
    return not PolicyVersion.objects.filter(earlier, published_at__isnull=False).exists()


def policy_change_notify_batch(
    *, version: PolicyVersion, batch_size: int = NOTIFY_BATCH_SIZE
) -> int:
    """Queue the "our privacy policy changed" e-mail for the next batch of active users.

    Resumable: a cursor (`notified_through_user_pk`) moves in the same transaction as the outbox
    rows, and the outbox idempotency key makes a repeated batch harmless. Returns how many users
    the batch covered; 0 means done (and marks the version completed).
    """
    with transaction.atomic():
        locked = PolicyVersion.objects.select_for_update().get(pk=version.pk)
        if locked.notification_completed_at is not None or locked.published_at is None:
            return 0
        if _is_first_version(locked):
            locked.notification_completed_at = timezone.now()
            locked.save(update_fields=["notification_completed_at"])
            return 0
        users = list(
            get_user_model()
            .objects.filter(is_active=True, pk__gt=locked.notified_through_user_pk)
            .exclude(email__isnull=True)
            .exclude(email="")
            .order_by("pk")[:batch_size]
        )
        if not users:
            locked.notification_completed_at = timezone.now()
            locked.save(update_fields=["notification_completed_at"])
            return 0
        # The version's own address: readable from the announcement on, also before it applies.
        policy_url = settings.SITE_URL + reverse(
            "privacy:policy-version", kwargs={"version": locked.version}
        )
        centre_url = settings.SITE_URL + reverse("privacy:centre")
        for user in users:
            notice_send(
                template_key="policy_changed",
                channel="email",
                idempotency_key=f"privacy-policy-changed-{locked.version}-{user.public_id}",
                recipient=user,
                context={
                    "effective_date": locked.effective_date,
                    "policy_url": policy_url,
                    "centre_url": centre_url,
                },
            )
        locked.notified_through_user_pk = users[-1].pk
        if locked.notification_started_at is None:
            locked.notification_started_at = timezone.now()
        locked.save(update_fields=["notified_through_user_pk", "notification_started_at"])
    logger.info(
        "policy change notification batch", extra={"version": locked.version, "n": len(users)}
    )
    return len(users)


def policy_versions_pending_notification() -> list[int]:
    return list(
        PolicyVersion.objects.filter(
            is_material_change=True,
            published_at__isnull=False,
            notification_completed_at__isnull=True,
        ).values_list("pk", flat=True)
    )
