"""Secret tokens out of access logs.

Invitation, join, password-reset, survey-answer and unsubscribe links carry their secret in the
URL path, and the OAuth callback carries its code in the query. Access logs (gunicorn's, the
development server's) and the Referer/Location headers they may record would keep those secrets
for anyone who reads the logs. `redact` replaces them with "[redacted]": the path segment after a
known prefix, a few query parameters, and, for routes added later, any long token-like segment.

gunicorn.conf.py uses it in its logger class; `install_dev_server_redaction` adds it to the
werkzeug logger (`flask run`). Nothing here imports the app, so the gunicorn master can load it.
"""
from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

# /invite/<token>, /join/<token>, /promoters/join/<token>, /password/reset/<token>, /survey/<token>,
# /survey/i/<token>, /survey/r/<key>[/thanks], /survey/unsubscribe/<token>, and verification links.
_SECRET_SEGMENT = re.compile(
    r"(?P<prefix>/(?:invite|join|password/reset|survey(?:/i|/r|/unsubscribe)?|verify|email/verify|confirm|digest/unsubscribe)/)"
    r"(?P<token>[^/?#\s\"']+)")
_SECRET_QUERY = re.compile(r"(?P<prefix>[?&](?:code|state|token|key|access_token|id_token|password)=)"
                           r"(?P<token>[^&#\s\"']+)", re.IGNORECASE)
# What secrets.token_urlsafe(16+) looks like: 22 or more URL-safe characters in one segment.
_LONG_TOKEN = re.compile(r"(?<=/)[A-Za-z0-9_-]{22,}(?=[/?#\s\"']|$)")


def redact(text: str) -> str:
    """`text` (a request line, path, query, URL) with secret tokens replaced by [redacted]."""
    if not text or "/" not in text and "=" not in text:
        return text
    text = _SECRET_SEGMENT.sub(lambda m: m.group("prefix") + REDACTED, text)
    text = _SECRET_QUERY.sub(lambda m: m.group("prefix") + REDACTED, text)
    return _LONG_TOKEN.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts the formatted message (werkzeug's request lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def install_dev_server_redaction() -> None:
    """Redact the development server's access log (the "werkzeug" logger); safe to call again."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(existing, RedactingFilter) for existing in logger.filters):
        logger.addFilter(RedactingFilter())
