"""The personal-data map: one data category per kind of personal data we hold.

Each category declares the fields holding personal data, its purpose, legal basis and retention,
how to export a subject's rows and how to erase them (delete, anonymise, or keep under a legal
hold). Access requests, erasure and the record of processing activities all read this one map,
so an export can never miss what an erasure would wipe. Each app declares its categories in its
own `<app>/personal_data.py` (privacy's in privacy/categories/privacy.py), found by
`PrivacyConfig.ready()`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext_lazy as _


class FieldAction:
    """What erasure does to a field."""

    DELETE = "delete"  # the row goes
    ANONYMISE = "anonymise"  # irreversibly replaced (name → "Slettet kunde", e-mail → null…)
    HOLD = "hold"  # kept under a legal hold, restricted, anonymised when the hold ends
    KEEP = "keep"  # a pseudonymous reference that identifies no one once the account is gone


ANONYMISED_NAME = "Slettet kunde"


@dataclass(frozen=True)
class Subject:
    """The person a request is about: an account, or only an e-mail address (a guest)."""

    user: models.Model | None
    public_id: uuid.UUID | None
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()

    @classmethod
    def for_user(cls, user) -> Subject:
        emails = {user.email.lower()} if user.email else set()
        emails |= {
            address.lower()
            for address in user.emailaddress_set.values_list("email", flat=True)
            if address
        }
        return cls(
            user=user,
            public_id=user.public_id,
            emails=tuple(sorted(emails)),
            phones=(str(user.phone),) if user.phone else (),
        )

    @classmethod
    def for_email(cls, email: str) -> Subject:
        """A subject known only by an address; an account with it makes it that account's."""
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is not None:
            return cls.for_user(user)
        return cls(user=None, public_id=None, emails=(email.lower(),))


@dataclass
class Kept:
    """Something erasure had to keep: what, why, and until when."""

    what: str
    reason: str
    until: date | None = None

    def as_dict(self) -> dict:
        return {
            "what": self.what,
            "reason": self.reason,
            "until": self.until.isoformat() if self.until else None,
        }


@dataclass
class ErasureOutcome:
    deleted: int = 0
    anonymised: int = 0
    kept: list[Kept] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "deleted": self.deleted,
            "anonymised": self.anonymised,
            "kept": [k.as_dict() for k in self.kept],
        }


@dataclass(frozen=True)
class ProcessorCall:
    """A processor that must be told to forget the subject, and what it knows them by."""

    processor: str
    target: dict


class DataCategory:
    """Base class of a personal-data category. Subclass, set the attributes, register.

    `fields` maps "app_label.Model.field" to a FieldAction: the coverage test fails for any
    field that may hold personal data and is neither here nor in the allow-list.
    `export` and `erase` must issue a bounded number of queries (not one per row).
    """

    key: str = ""
    name: str = ""
    purpose: str = ""
    legal_basis: str = ""
    retention: str = ""
    recipients: tuple[str, ...] = ()
    subjects: str = _("customers")
    fields: dict[str, str] = {}
    # Labels for keys of `export`'s data that name no model field (the readable summary's
    # headings); model fields are labelled by their verbose names.
    export_labels: dict[str, str] = {}
    # Erasure order: lower first. The account goes last, after everything that finds rows by it.
    order: int = 50

    def is_available(self) -> bool:
        """False when the app holding the data is not installed."""
        return True

    def export(self, subject: Subject) -> list | dict:
        raise NotImplementedError

    def erase(self, subject: Subject) -> ErasureOutcome:
        """Delete/anonymise the subject's rows. Called inside `transaction.atomic()`."""
        raise NotImplementedError

    def processor_calls(self, subject: Subject) -> list[ProcessorCall]:
        """Processors to be told after erasure; computed before `erase` runs."""
        return []

    def kept(self, subject: Subject) -> list[Kept]:
        """What erasure would keep of the subject's rows, why and until when, without changing
        anything (the DPO's confirmation page shows it; `erase` reports the same). `what` and
        `reason` are English msgids, translated where they are shown."""
        return []

    def is_erased(self) -> bool:
        """False for a category erasure only keeps (legal hold, pseudonymous references)."""
        return any(
            action in (FieldAction.DELETE, FieldAction.ANONYMISE) for action in self.fields.values()
        )

    def as_record(self) -> dict:
        """One line of the record of processing activities (Art. 30)."""
        return {
            "key": self.key,
            "name": str(self.name),
            "purpose": str(self.purpose),
            "legal_basis": str(self.legal_basis),
            "subjects": str(self.subjects),
            "data": sorted(self.fields),
            "recipients": [str(recipient) for recipient in self.recipients],
            "retention": str(self.retention),
        }


class CategoryRegistry:
    def __init__(self) -> None:
        self._categories: dict[str, DataCategory] = {}

    def register(self, category: DataCategory | type[DataCategory]) -> DataCategory:
        instance = category() if isinstance(category, type) else category
        if not instance.key:
            raise ValueError("A data category needs a key.")
        self._categories[instance.key] = instance
        return instance

    def all(self) -> list[DataCategory]:
        return sorted(
            (c for c in self._categories.values() if c.is_available()),
            key=lambda c: (c.order, c.key),
        )

    def get(self, key: str) -> DataCategory:
        return self._categories[key]

    def covered_fields(self) -> dict[str, str]:
        covered: dict[str, str] = {}
        for category in self.all():
            for name in category.fields:
                covered[name] = category.key
        return covered

    def keys(self) -> Iterable[str]:
        return [c.key for c in self.all()]


registry = CategoryRegistry()


def values_list_of_dicts(queryset, fields: Iterable[str]) -> list[dict]:
    """Rows as JSON-able dicts (dates/UUIDs/decimals as strings), one query."""
    rows = []
    for row in queryset.values(*fields):
        rows.append({key: _jsonable(value) for key, value in row.items()})
    return rows


def _jsonable(value):
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
