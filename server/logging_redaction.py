"""Logging that never writes a credential: tokens in URLs and token-shaped strings are redacted.

uvicorn's access log prints each request line (``GET /j/TOKEN``, ``/app/?t=TOKEN``,
``?token=ADMIN``); a server log is kept, rotated, mailed and pasted into issues, so whoever
holds it would hold every link. ``RedactTokens`` sits on every handler (uvicorn's and the root
logger's), so it sees every record whatever logger it came from, and rewrites the message and
its arguments before any formatter reads them.
"""

from __future__ import annotations

import copy
import logging
import logging.config
import re
from typing import Any

import uvicorn.config

__all__ = ["MARKER", "RedactTokens", "install_redaction", "log_config", "redact"]

MARKER = "[redacted]"

_PATTERNS = (
    # The join path: /j/<token> (the token is the whole segment).
    (re.compile(r"(/j/)[^/?#\s\"']+"), rf"\1{MARKER}"),
    # Query values that carry a credential: the web app's ?t=, ?token= (admin or join).
    (re.compile(r"([?&](?:t|token|access_token|badge)=)[^&#\s\"']*", re.IGNORECASE),
     rf"\1{MARKER}"),
    # Anything shaped like a participant token (server/auth.py: MEETING~PID~PR~EXPIRY~SIG),
    # wherever it appears, '~' possibly percent-encoded.
    # The kind part may carry a credential generation (``jd3``) and, in a pairing code, a
    # nonce (``so2-0123456789abcdef``).
    (re.compile(r"[\w.-]+(?:~|%7E)[\w.-]+(?:~|%7E)[a-z]{2}[0-9]{0,9}(?:-[0-9a-f]+)?"
                r"(?:~|%7E)[0-9a-z]+"
                r"(?:~|%7E)[\w-]{22,}",
                re.IGNORECASE), MARKER),
)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_arg(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


class RedactTokens(logging.Filter):
    """Rewrites a record's message and string arguments in place; never drops a record.

    The arguments keep their number and order: uvicorn's access formatter unpacks them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redact_arg(v) for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            # Format the traceback now, redacted, so that the handler prints this text.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging config with ``RedactTokens`` on every handler, and the root logger
    (``phonghop.*`` and libraries) printed through the same filtered handler."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["filters"] = {"redact_tokens": {"()": RedactTokens}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact_tokens"]
    # The level Python's last-resort handler had: warnings and errors, as before.
    config["root"] = {"handlers": ["default"], "level": "WARNING"}
    return config


def install_redaction() -> None:
    """Configure logging now (before uvicorn does the same), for what is logged at start."""
    logging.config.dictConfig(log_config())
