"""The e-mails and SMS privacy sends (contact form, request desk, policy changes, erasure
confirmations, inactivity warnings), through an outbox privacy does not import.

Privacy is the ground floor: it cannot import notifications, which sits above it and owns the
outbox. Notifications installs an implementation of `Notices` in its AppConfig.ready(); the
system check below fails when none is installed, so a site without it does not start quietly
dropping the notices the policy promises. Privacy calls only the module functions here.

The implementation keeps the outbox's guarantees: a notice is written in the caller's
transaction (it commits or rolls back with the event), sent after commit, and never twice for
the same idempotency key.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from django.core import checks
from django.db.models import QuerySet


class Notices(Protocol):
    def enqueue(
        self,
        *,
        template_key: str,
        channel: str,
        idempotency_key: str,
        recipient=None,
        to_address: str = "",
        language: str | None = None,
        context: dict[str, Any] | None = None,
        due_at: datetime | None = None,
    ) -> int | None:
        """Render and queue a notice; its id, or None when `idempotency_key` already exists."""

    def deliver_now(self, *, message_id: int) -> str:
        """Send a queued notice now, also before its due time (outside any transaction)."""

    def redactable(self, *, template_key: str, created_before: datetime) -> QuerySet:
        """Notices of `template_key` that have left us, created before a cut-off, not blanked."""

    def redaction_values(self) -> dict[str, Any]:
        """The update that blanks a notice's text and bare address."""

    def addresses(self) -> Iterable[str]:
        """Every bare address (no account) the outbox still holds."""

    def bodies(self, *, template_key: str) -> Iterable[str]:
        """The text of every notice of `template_key` the outbox still holds."""


_installed: Notices | None = None


def notices_install(impl: Notices | None) -> Notices | None:
    """Install the implementation (notifications' ready()); returns the one it replaces.
    None uninstalls (the system check's own test)."""
    global _installed
    previous, _installed = _installed, impl
    return previous


def _notices() -> Notices:
    if _installed is None:
        # The system check reports this at start; reaching it means checks were skipped.
        raise RuntimeError("No privacy notices implementation is installed (see privacy.E001).")
    return _installed


def notice_send(
    *,
    template_key: str,
    channel: str,
    idempotency_key: str,
    recipient=None,
    to_address: str = "",
    language: str | None = None,
    context: dict[str, Any] | None = None,
    due_at: datetime | None = None,
) -> int | None:
    """Queue a notice in the caller's transaction; sent after commit (or at `due_at`)."""
    return _notices().enqueue(
        template_key=template_key,
        channel=channel,
        idempotency_key=idempotency_key,
        recipient=recipient,
        to_address=to_address,
        language=language,
        context=context,
        due_at=due_at,
    )


def notice_deliver_now(*, message_id: int) -> str:
    return _notices().deliver_now(message_id=message_id)


def notices_redactable(*, template_key: str, created_before: datetime) -> QuerySet:
    return _notices().redactable(template_key=template_key, created_before=created_before)


def notice_redaction_values() -> dict[str, Any]:
    return _notices().redaction_values()


def notices_redact(*, template_key: str, created_before: datetime) -> int:
    """Blank the notices of `template_key` that have left us before a cut-off; how many."""
    return notices_redactable(template_key=template_key, created_before=created_before).update(
        **notice_redaction_values()
    )


def notice_addresses() -> Iterable[str]:
    return _notices().addresses()


def notice_bodies(*, template_key: str) -> Iterable[str]:
    return _notices().bodies(template_key=template_key)


def notices_installed_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Registered by PrivacyConfig.ready(): privacy's notices need an installed sender."""
    if _installed is not None:
        return []
    return [
        checks.Error(
            "No implementation of privacy's notices is installed: contact-form copies, request "
            "desk messages, policy-change notices, erasure confirmations and inactivity "
            "warnings could not be sent.",
            hint="Add 'notifications' to INSTALLED_APPS (its AppConfig.ready() installs it).",
            id="privacy.E001",
        )
    ]
