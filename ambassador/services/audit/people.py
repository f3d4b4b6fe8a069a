"""Audit events about a person rather than one organization (signing in and out, their password): recorded in
each organization they belong to, so every admin whose organization they can act in sees them; for an address
that is nobody's (or a person of no organization yet), one event of no organization."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ...extensions import db
from ...models import Membership, User
from .log import Origin, record


def record_for_person(action: str, *, user: User | None, email: str = "", origin: Origin | None,
                      details: dict[str, Any] | None = None) -> int:
    """Record `action` in every organization of `user` (the actor and target); returns how many events.
    `email` labels the target when no user matches the address typed."""
    if user is None:
        record(action, org_id=None, actor=None, origin=origin, target_type="user", target_label=email[:255],
               details=details)
        return 1
    org_ids: list[int | None] = list(db.session.scalars(
        sa.select(Membership.org_id).where(Membership.user_id == user.id).order_by(Membership.org_id))) or [None]
    for org_id in org_ids:
        record(action, org_id=org_id, actor=user, origin=origin, target_type="user", target_id=user.id,
               target_label=user.email, details=details)
    return len(org_ids)
