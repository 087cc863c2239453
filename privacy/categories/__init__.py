"""The data categories of every app, registered in PrivacyConfig.ready()."""

from ..registry import registry
from .account import AccountCategory, AdminHistoryCategory, SessionsCategory
from .bookings import BookingsCategory
from .calendars import CalendarMirrorsCategory
from .notifications import OutboxMessagesCategory, PhoneVerificationCategory
from .payments import PaymentsCategory
from .privacy import (
    AuditReferencesCategory,
    ConsentsCategory,
    ContactMessagesCategory,
    DsarExportsCategory,
    PrivacyRequestsCategory,
)

ALL_CATEGORIES = (
    AccountCategory,
    AdminHistoryCategory,
    SessionsCategory,
    BookingsCategory,
    CalendarMirrorsCategory,
    OutboxMessagesCategory,
    PhoneVerificationCategory,
    PaymentsCategory,
    ConsentsCategory,
    ContactMessagesCategory,
    PrivacyRequestsCategory,
    DsarExportsCategory,
    AuditReferencesCategory,
)


def register_all() -> None:
    for category in ALL_CATEGORIES:
        registry.register(category)
