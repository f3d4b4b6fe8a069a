"""The one shape of a refusal a service gives back: `ServiceError`.

Every error a service raises for the person in front of it (bad input, a transition that is not allowed,
a closed survey, not enough points…) is a `ServiceError` subclass. It carries

- `message`: a message for the whole request (or None), and
- `field_errors`: {field name: [messages]} for the form fields they belong to,

so a view (web/service_call.py) can put each message next to its field, and the JSON API can later turn the
same error into an RFC 9457 problem document with `code` (a stable, machine-readable kind: the "type"),
`status` (the HTTP status hint, 422 unless a subclass says otherwise) and the messages.

Constructing: `Error(message)`, `Error(message, field="email")` for one field, or
`Error(field_errors={"title": msg, "body": [msg1, msg2]})` (a message or a list per field). For the
services written before this module, a mapping as the first argument means `field_errors`.

Nothing is written when a service raises one: the caller rolls the session back.
Infrastructure failures (missing configuration, undecryptable secrets) are not ServiceErrors: they are
not the person's to fix, and they end in a 500 page or a job's log.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ServiceError(Exception):
    """A refusal with messages for the person; nothing was written. Subclass per area, set `code`."""

    code: str = "invalid"  # stable kind for machines (the problem document's type); never translated
    status: int = 422  # the HTTP status an API answers with
    default_field: str | None = None  # where a message given without `field` belongs (None: the whole request)

    def __init__(self, message: Any = None, *, field: str | None = None,
                 field_errors: Mapping[str, Any] | None = None, code: str | None = None,
                 status: int | None = None):
        if isinstance(message, Mapping):  # the older dict-shaped constructors: {field: message}
            field_errors, message = {**message, **(field_errors or {})}, None
        errors: dict[str, list] = {}
        for name, messages in (field_errors or {}).items():
            errors[name] = list(messages) if isinstance(messages, (list, tuple)) else [messages]
        field = field or self.default_field
        if field is not None and message is not None:
            errors.setdefault(field, []).append(message)
            message = None
        self.message = message
        self.field_errors = errors
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        super().__init__(*([message] if message is not None else [m for ms in errors.values() for m in ms][:1]))

    @property
    def messages(self) -> list:
        """Every message: the one for the whole request first, then the fields' in order."""
        head = [self.message] if self.message is not None else []
        return head + [m for messages in self.field_errors.values() for m in messages]

    @property
    def field(self) -> str | None:
        """The first field a message belongs to (None when it is for the whole request)."""
        return next(iter(self.field_errors), None)

    def __str__(self) -> str:
        return " ".join(str(message) for message in self.messages)
