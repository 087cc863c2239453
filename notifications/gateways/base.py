"""What a message gateway sends: the e-mail and its attachments, in our own terms.

Gateways raise the shared provider errors (bookingtjeneste/providers.py): transient ones (provider
down, timeout, 5xx, 429) are retried with backoff; permanent ones (invalid number, opted out,
rejected address) are recorded and never retried.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EmailAttachment:
    name: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str
    html: str
    to_name: str = ""
    attachments: tuple[EmailAttachment, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    # Non-personal labels (template key, outbox id) that come back in provider webhooks.
    tags: tuple[str, ...] = ()
    # The same for every attempt at one outbox row: a provider that supports it sends once.
    idempotency_key: str = ""
