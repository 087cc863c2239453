"""Writes for the privacy app (one module per concern, re-exported here)."""

from .consent import (
    ConsentConfigurationError,
    ConsentWordingChanged,
    consent_set,
    consent_subject_link,
    consent_withdraw_for_person,
    ip_truncate,
    user_agent_truncate,
)
from .contact import contact_message_submit
from .cookies import cookie_choice_record
from .marketing import (
    InvalidUnsubscribeToken,
    marketing_basis_for,
    marketing_choice_offered,
    marketing_unsubscribe,
    unsubscribe_token_for,
    unsubscribe_url_for,
)
from .policy import policy_change_notify_batch, policy_version_publish

__all__ = [
    "ConsentConfigurationError",
    "ConsentWordingChanged",
    "InvalidUnsubscribeToken",
    "consent_set",
    "consent_subject_link",
    "consent_withdraw_for_person",
    "contact_message_submit",
    "cookie_choice_record",
    "ip_truncate",
    "marketing_basis_for",
    "marketing_choice_offered",
    "marketing_unsubscribe",
    "policy_change_notify_batch",
    "policy_version_publish",
    "unsubscribe_token_for",
    "unsubscribe_url_for",
    "user_agent_truncate",
]
