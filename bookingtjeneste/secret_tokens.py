"""Secret tokens (API tokens, calendar feed URLs, webhook channel tokens) are stored only hashed.

They are long random strings, so a plain SHA-256 is enough: nothing to brute-force, and a lookup
by hash stays an indexed equality. One function, so every store hashes the same way.
"""

import hashlib


def secret_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
