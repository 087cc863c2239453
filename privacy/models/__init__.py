"""Privacy models, one module per concern; import them here so Django finds them."""

from .audit import AuditCheckpoint, AuditEntry
from .breach import Breach
from .consent import ConsentEvent, ConsentSubjectLink, PurposeText
from .contact import ContactMessage
from .marketing import (
    MarketingBasis,
    MarketingChannel,
    MarketingChoiceOffer,
    MarketingListSync,
)
from .policy import PolicyVersion
from .processors import Processor
from .requests import PrivacyRequest, ProcessorErasure, SubjectFlag
from .retention import RetentionRule, SweepRun

__all__ = [
    "AuditCheckpoint",
    "AuditEntry",
    "Breach",
    "ConsentEvent",
    "ConsentSubjectLink",
    "ContactMessage",
    "MarketingBasis",
    "MarketingChannel",
    "MarketingChoiceOffer",
    "MarketingListSync",
    "PolicyVersion",
    "PrivacyRequest",
    "Processor",
    "ProcessorErasure",
    "PurposeText",
    "RetentionRule",
    "SubjectFlag",
    "SweepRun",
]
