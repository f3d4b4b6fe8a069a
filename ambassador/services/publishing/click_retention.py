"""Dropping the visitor hashes of old clicks.

A counted click keeps a keyed hash of the visitor's address (services/publishing/clicks.py) for one purpose:
counting a visitor once per link per hour and at most the daily cap per UTC day, plus looking into bot
traffic while it is fresh. Past that it is only a pseudonymous trace of who clicked, so after
CLICK_VISITOR_HASH_RETENTION_DAYS (an app setting, see config.py) the hash is set to NULL. The click row
stays — its link, time, day slot and referring site — so counts, points and rollups do not move.

Why an app setting and not one per organization: the hash exists for the product's own counting rules,
which are the same for every organization, and the operator who salts and stores it is the one who answers
for how long it is kept; one cut-off also lets the job walk one index (ix_click_hash_kept, of the rows that
still hold a hash) instead of every organization's clicks.

The job works in batches, each committed on its own, so it never holds a long lock on the click table while
the worker counts new clicks.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ...extensions import db
from ...infra import database
from ...models import Click, utcnow

# The counting rules look back at most one UTC day (the daily cap) plus the inbox's lag: never drop sooner.
MIN_RETENTION_DAYS = 2


def retention_days() -> int:
    return max(int(current_app.config["CLICK_VISITOR_HASH_RETENTION_DAYS"]), MIN_RETENTION_DAYS)


def cutoff(now: datetime | None = None) -> datetime:
    """Clicks counted before this moment lose their visitor hash."""
    return (now or utcnow()) - timedelta(days=retention_days())


def drop_old_visitor_hashes(*, now: datetime | None = None, batch: int | None = None,
                            max_batches: int | None = None, stop: Callable[[], bool] | None = None) -> int:
    """Set the visitor hash of clicks older than the retention to NULL, `batch` rows per transaction (each
    committed); how many rows were cleared. `max_batches` bounds one run and `stop()` ends it between batches
    (the worker shutting down); the next run goes on where it stopped."""
    batch = batch or int(current_app.config["CLICK_VISITOR_HASH_BATCH"])
    before = cutoff(now)
    cleared = done = 0
    while (max_batches is None or done < max_batches) and not (stop and stop()):
        database.begin_write()  # commits the previous batch; on SQLite takes the write lock first
        ids = list(db.session.scalars(
            sa.select(Click.id).where(Click.visitor_hash.is_not(None), Click.created_at < before)
            .order_by(Click.created_at).limit(batch)))
        if not ids:
            break
        cleared += database.changed_rows(
            sa.update(Click).where(Click.id.in_(ids), Click.visitor_hash.is_not(None)).values(visitor_hash=None)
            .execution_options(synchronize_session=False))
        done += 1
        if len(ids) < batch:
            break
    return cleared
