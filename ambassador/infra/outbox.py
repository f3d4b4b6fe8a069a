"""Claiming due rows of an outbox table (chat messages, event webhooks): any number of workers side by side.

The table has `status` ("queued", "sending", …), `next_attempt_at`, `claimed_at` and `attempts`. A row is
claimed with a conditional UPDATE (queued → sending, one attempt more), so two workers never send the same row;
a claim older than `claim_ttl` (its worker died mid-send) is queued again."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from .database import changed_rows

QUEUED, SENDING = "queued", "sending"


def claim_due(model, *, now: datetime, claim_ttl: timedelta, limit: int) -> list[int]:
    """Claim up to `limit` due rows of `model` (oldest due first); their ids. The caller commits."""
    changed_rows(sa.update(model).where(model.status == SENDING, model.claimed_at < now - claim_ttl)
                 .values(status=QUEUED).execution_options(synchronize_session=False))
    ids = db.session.scalars(sa.select(model.id).where(model.status == QUEUED, model.next_attempt_at <= now)
                             .order_by(model.next_attempt_at, model.id).limit(limit)).all()
    return [row_id for row_id in ids if changed_rows(
        sa.update(model).where(model.id == row_id, model.status == QUEUED)
        .values(status=SENDING, claimed_at=now, attempts=model.attempts + 1)
        .execution_options(synchronize_session=False))]
