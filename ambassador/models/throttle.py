"""Throttle counters: one row per (scope, key) for logins and unauthenticated forms (infra/throttle.py)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model, utcnow


class ThrottleCounter(Model):
    """Attempts counted for one key (a keyed hash of an address, an email, or both) in one scope.

    One row per key, so checking and recording can lock that row (PostgreSQL) and the table
    grows with the number of distinct keys, not with the number of attempts.
    """

    __tablename__ = "throttle_counter"
    __table_args__ = (sa.UniqueConstraint("scope", "key_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(40))
    key_hash: Mapped[str] = mapped_column(sa.String(64))
    hits: Mapped[int] = mapped_column(default=0)
    # No attempt is let through before this moment (None: not throttled).
    blocked_until: Mapped[datetime | None] = mapped_column()
    # Past this moment the row counts nothing any more (hits start again from zero); purged by a job.
    expires_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
