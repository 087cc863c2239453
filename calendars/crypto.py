"""Encryption at rest for OAuth tokens (Fernet: AES-128-CBC + HMAC-SHA256).

Key: `CALENDAR_TOKEN_KEY` (one or more comma-separated Fernet keys, newest first, so keys can be
rotated with MultiFernet), else a key derived from SECRET_KEY with HKDF-SHA256 and a fixed,
purpose-specific `info` — the same SECRET_KEY never doubles as the raw encryption key.
"""

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

HKDF_INFO = b"bookingtjeneste calendars oauth-token encryption v1"


def _derived_key(secret: str) -> bytes:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(
        secret.encode()
    )
    return base64.urlsafe_b64encode(raw)


@cache
def _fernet(configured: str, secret_key: str) -> MultiFernet:
    keys = [key.strip() for key in configured.split(",") if key.strip()]
    fernets = [Fernet(key) for key in keys] or [Fernet(_derived_key(secret_key))]
    return MultiFernet(fernets)


def fernet() -> MultiFernet:
    return _fernet(getattr(settings, "CALENDAR_TOKEN_KEY", ""), settings.SECRET_KEY)


def encrypt(value: str) -> str:
    if not value:
        return ""
    return fernet().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    """The plaintext, or "" when the value cannot be read (key rotated away, tampering)."""
    if not value:
        return ""
    try:
        return fernet().decrypt(value.encode()).decode()
    except InvalidToken:
        return ""
