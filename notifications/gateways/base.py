"""What every gateway promises: send, and raise one of two errors so the outbox can decide.

Transient errors (provider down, timeout, 5xx, 429) are retried with backoff; permanent ones
(invalid number, opted out, rejected address) are recorded and never retried.
"""

from dataclasses import dataclass, field


class ProviderError(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


class TransientProviderError(ProviderError):
    """Worth trying again later."""


class PermanentProviderError(ProviderError):
    """Trying again would fail the same way."""


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
