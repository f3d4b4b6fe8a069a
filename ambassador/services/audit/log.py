"""Recording audit events. Services call `record` inside the transaction of the change they make, so the
event and the change are committed (or rolled back) together; the outermost caller commits."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...extensions import db
from ...models import AuditEvent, User

VIAS = ("web", "api", "sso", "cli", "worker")


@dataclass(frozen=True)
class Origin:
    """Where a request came from, read by the view (services never read the request) and handed down."""

    ip: str | None = None
    via: str = "web"


WORKER = Origin(via="worker")
CLI = Origin(via="cli")


def record(action: str, *, org_id: int | None, actor: User | None = None, origin: Origin | None = None,
           target_type: str = "", target_id: int | str | None = None, target_label: str = "",
           details: dict[str, Any] | None = None) -> AuditEvent:
    """Add one audit event to the session (flushed with the caller's change, never committed here).

    `actor` None means the product itself (a job, the retention purge). `details` holds what changed
    (old and new values, a reason) and must never hold a secret: a token, password or client secret."""
    origin = origin or Origin()
    if origin.via not in VIAS:
        raise ValueError(f"unknown origin {origin.via!r}")
    event = AuditEvent(
        org_id=org_id, action=action,
        actor_user_id=actor.id if actor is not None else None,
        actor_label=(actor.email if actor is not None else "")[:255],
        via=origin.via, ip=(origin.ip or None) and origin.ip[:45],
        target_type=target_type[:32], target_id="" if target_id is None else str(target_id)[:64],
        target_label=target_label[:255], details=dict(details or {}))
    db.session.add(event)
    return event
