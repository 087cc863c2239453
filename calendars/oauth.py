"""The OAuth `state` parameter: signed, short-lived, bound to the browser session and to
the resource being connected, so a callback cannot be replayed or forged across sessions."""

import secrets

from django.core import signing
from django.http import HttpRequest

SALT = "calendars.oauth.state"
SESSION_KEY = "calendars_oauth_nonce"
MAX_AGE_SECONDS = 15 * 60


class InvalidState(Exception):
    pass


def state_create(*, request: HttpRequest, resource_id: int) -> str:
    nonce = secrets.token_urlsafe(24)
    request.session[SESSION_KEY] = nonce
    return signing.dumps({"r": resource_id, "n": nonce}, salt=SALT, compress=True)


def state_verify(*, request: HttpRequest, state: str) -> int:
    """The resource id the flow was started for; the nonce is single-use."""
    try:
        data = signing.loads(state, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature as exc:  # includes SignatureExpired
        raise InvalidState("bad_state") from exc
    expected = request.session.pop(SESSION_KEY, None)
    if not isinstance(data, dict) or not expected or not isinstance(data.get("n"), str):
        raise InvalidState("no_session")
    if not secrets.compare_digest(expected, data["n"]) or not isinstance(data.get("r"), int):
        raise InvalidState("state_mismatch")
    return data["r"]
