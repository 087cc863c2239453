"""Log filter that keeps personal data out of log lines.

Code should not log personal data in the first place; this is the safety net for what slips
through (exception messages, third-party libraries, a request's URL in Django's own records):
e-mail addresses, phone numbers and IP addresses are replaced in the message, the traceback
and every extra field (the JSON formatter writes them all) before the record is formatted.
"""

import logging
import re
from typing import Any

_PATTERNS = [
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "[email]"),
    # 8 to 15 digits, optionally with + and single spaces or dashes (a Norwegian mobile is 8
    # digits); ISO dates are not phone numbers.
    (
        re.compile(r"(?<![\w.:])(?!\d{4}-\d{2}-\d{2})\+?\d(?:[ -]?\d){7,14}(?![\w.:]|-\d)"),
        "[phone]",
    ),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"), "[ip]"),
    (re.compile(r"\b(?:[0-9a-f]{1,4}:){3,7}[0-9a-f]{1,4}\b", re.IGNORECASE), "[ip]"),
]

# What every LogRecord carries; anything else was added through `extra=` or by a library.
_STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


# URLs in log lines carry "@", "+" and spaces percent-encoded (kari%40example.no,
# %2B47%20912...): decode just those three first, so the patterns see what a person wrote.
_ENCODED = re.compile(r"%(40|2B|20)", re.IGNORECASE)
_DECODED = {"40": "@", "2B": "+", "20": " "}


def redact(text: str) -> str:
    text = _ENCODED.sub(lambda match: _DECODED[match.group(1).upper()], text)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redacted(value: Any) -> Any:
    """`value` with personal data replaced; numbers and booleans as they are, containers kept
    as containers (the JSON log stays structured), anything else as its redacted text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_redacted(item) for item in value]
    return redact(str(value))


class RedactPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact(message)
        record.args = ()
        if record.exc_info and record.exc_info[1] is not None:
            # Formatting the traceback happens later; pre-render and redact it now.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        for name in set(record.__dict__) - _STANDARD_ATTRIBUTES:
            # e.g. Django's `request` (its repr holds the URL) or Celery's `data`.
            setattr(record, name, _redacted(record.__dict__[name]))
        return True
