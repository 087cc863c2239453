"""The privacy app's own personal data, declared like every other app's (PrivacyConfig.ready()
discovers each installed app's personal_data.py): consents, contact messages, requests, exports
and audit references, and the retention rules privacy applies to them and to inactive accounts.
"""

from .categories.privacy import (
    AuditReferencesCategory,
    ConsentsCategory,
    ContactMessagesCategory,
    DsarExportsCategory,
    PrivacyRequestsCategory,
)
from .registry import registry
from .retention import PRIVACY_RULES, retention_rule_register

for _category in (
    ConsentsCategory,
    ContactMessagesCategory,
    PrivacyRequestsCategory,
    DsarExportsCategory,
    AuditReferencesCategory,
):
    registry.register(_category)

for _rule in PRIVACY_RULES:
    retention_rule_register(_rule)
