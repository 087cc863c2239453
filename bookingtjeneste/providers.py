"""The errors every outside-provider integration raises: SMS, e-mail, payments, Google Calendar.

Two kinds, so a caller decides without knowing which provider answered. Transient (provider
down, timeout, 429, 5xx): worth trying again later, with backoff; tasks name it in
`autoretry_for`. Permanent (invalid number, rejected address, refused payment, unknown id):
trying again would fail the same way, so it is recorded and never retried. Catching
`ProviderError` catches both.
"""


class ProviderError(Exception):
    """A provider call failed. `code` is a short label (no personal data); `detail` optional."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


class TransientProviderError(ProviderError):
    """Worth trying again later."""


class PermanentProviderError(ProviderError):
    """Trying again would fail the same way."""
