"""What privacy needs to know from the apps above it, answered by those apps.

Privacy is the ground floor: it never imports another app of this project. Where a retention
rule, an export or the marketing check needs an answer only an upper app has ("when was this
person last active", "do they have a booking ahead"), that app registers the answer here from
its own `personal_data.py`, which `PrivacyConfig.ready()` discovers (as Django discovers
`admin.py`). Each hook holds every registered implementation; none registered means the app that
would answer is not installed, and the caller treats it as "nothing to report".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet

T = TypeVar("T")


class Hook(Generic[T]):
    """The implementations of one need, in registration order; registering twice is a no-op."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._impls: list[T] = []

    def register(self, impl: T) -> T:
        if impl not in self._impls:
            self._impls.append(impl)
        return impl

    def __iter__(self) -> Iterator[T]:
        return iter(tuple(self._impls))


@dataclass(frozen=True)
class ActivitySource:
    """Rows that show a person was active: `rows(user)` filters them to one person (called with
    an OuterRef to the user's pk), `field` is the moment of the activity."""

    rows: Callable[[Any], QuerySet]
    field: str


# Inactivity (retention rules inactive_accounts_*): besides logging in, what counts as activity.
activity_sources: Hook[ActivitySource] = Hook("activity_sources")

# Inactivity: `exempt(users, as_of)` returns `users` without the people who must not be treated
# as inactive (something booked ahead, staff of a supplier).
inactivity_exemptions: Hook[Callable[[QuerySet, datetime], QuerySet]] = Hook(
    "inactivity_exemptions"
)

# Marketing Act §15: `check(user, since)` is True for a customer relationship since `since`.
existing_customer_checks: Hook[Callable[[Any, datetime], bool]] = Hook("existing_customer_checks")

# The automatic categorisation in an export: `count(user, since)` bookings made since `since`.
booking_counts: Hook[Callable[[Any, datetime], int]] = Hook("booking_counts")

# Deleting e-mails privacy sent through the outbox with one template, found by idempotency key
# or by a text they contain: `erase(template_key=, idempotency_keys=, text_contains=)` returns
# the number of rows deleted.
outbox_erasers: Hook[Callable[..., int]] = Hook("outbox_erasers")
