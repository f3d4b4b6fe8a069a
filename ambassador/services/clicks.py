"""Counting clicks on tracked links without making the redirect wait on the database.

The redirect only appends a `PendingClick` to an in-process buffer; a background thread
writes the buffer in batches (`write_clicks`), in its own app context and session. With
CLICK_BUFFER_SYNC (tests) the request writes through the same `write_clicks` at once.

`write_clicks` is where the counting rules live: a visitor counts once per link per
sliding hour (checked against stored rows and within the batch), the unique
(link, visitor, hour bucket) constraint guards against two processes racing, and each
counted click awards the link's member click points in the same transaction.
"""
from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import NamedTuple, Sequence
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import Click, Organization, TrackedLink, utcnow
from . import points
from .click_buffer import ClickBuffer, shutdown_click_buffers  # noqa: F401  (re-exported)
from .tracked_links import LinkTarget

DEDUPE_WINDOW = timedelta(hours=1)
_CHUNK = 400  # rows per statement: well under SQLite's bound-parameter limit


class PendingClick(NamedTuple):
    link_id: int
    org_id: int
    membership_id: int
    network: str
    visitor_hash: str
    referrer_host: str
    at: datetime


def visitor_hash(*, salt: str, ip: str | None, user_agent: str) -> str:
    """A keyed hash of address + user agent: stable for dedupe, never the raw address."""
    message = f"{ip or ''}\n{user_agent}".encode("utf-8", "replace")
    return hmac.new(salt.encode(), message, hashlib.sha256).hexdigest()


def referrer_host(referrer: str | None) -> str:
    if not referrer:
        return ""
    try:
        return (urlsplit(referrer).hostname or "")[:255]
    except ValueError:
        return ""


def hour_bucket(at: datetime) -> int:
    return int(at.replace(tzinfo=UTC).timestamp()) // 3600


def pending_click(target: LinkTarget, *, salt: str, ip: str | None, user_agent: str,
                  referrer: str | None = None, at: datetime | None = None) -> PendingClick:
    return PendingClick(
        link_id=target.link_id, org_id=target.org_id, membership_id=target.membership_id, network=target.network,
        visitor_hash=visitor_hash(salt=salt, ip=ip, user_agent=user_agent), referrer_host=referrer_host(referrer),
        at=at or utcnow())


def _chunks(items: Sequence, size: int = _CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _live_link_ids(link_ids: set[int]) -> set[int]:
    """Links can be deleted (with their post) while still cached; their clicks are dropped."""
    ids = sorted(link_ids)
    found: set[int] = set()
    for chunk in _chunks(ids):
        found.update(db.session.scalars(sa.select(TrackedLink.id).where(TrackedLink.id.in_(chunk))))
    return found


def _counted_near(pending: Sequence[PendingClick]) -> dict[tuple[int, str], list[datetime]]:
    """Stored clicks of the batch's (link, visitor) pairs within an hour of the batch.

    Looked up by (link, visitor) pairs and hour buckets: the unique index answers it.
    """
    counted: dict[tuple[int, str], list[datetime]] = defaultdict(list)
    start = min(c.at for c in pending) - DEDUPE_WINDOW
    end = max(c.at for c in pending) + DEDUPE_WINDOW
    buckets = list(range(hour_bucket(start), hour_bucket(end) + 1))
    pairs = sorted({(c.link_id, c.visitor_hash) for c in pending})
    for chunk in _chunks(pairs):
        rows = db.session.execute(
            sa.select(Click.tracked_link_id, Click.visitor_hash, Click.created_at).where(
                sa.tuple_(Click.tracked_link_id, Click.visitor_hash).in_(chunk), Click.hour_bucket.in_(buckets),
                Click.created_at > start, Click.created_at < end))
        for link_id, visitor, at in rows:
            counted[(link_id, visitor)].append(at)
    return counted


def _to_count(pending: Sequence[PendingClick]) -> list[PendingClick]:
    """Drop repeats: a visitor counts once per link within any sliding hour."""
    counted = _counted_near(pending)
    keep = []
    for click in sorted(pending, key=lambda c: c.at):
        times = counted[(click.link_id, click.visitor_hash)]
        if any(abs(click.at - at) < DEDUPE_WINDOW for at in times):
            continue
        times.append(click.at)
        keep.append(click)
    return keep


def _insert(clicks: Sequence[PendingClick]) -> list[tuple[int, PendingClick]]:
    """Insert, skipping rows another process inserted first (the unique constraint)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Click.__table__
    by_key = {(c.link_id, c.visitor_hash, hour_bucket(c.at)): c for c in clicks}
    if not by_key:
        return []
    # One cached statement, many parameter sets (SQLAlchemy's insertmanyvalues batches them).
    stmt = (insert(table)
            .on_conflict_do_nothing(index_elements=["tracked_link_id", "visitor_hash", "hour_bucket"])
            .returning(table.c.id, table.c.tracked_link_id, table.c.visitor_hash, table.c.hour_bucket))
    rows = db.session.execute(stmt, [
        {"org_id": c.org_id, "tracked_link_id": link_id, "visitor_hash": visitor, "hour_bucket": bucket,
         "referrer_host": c.referrer_host, "created_at": c.at} for (link_id, visitor, bucket), c in by_key.items()])
    stored = [(row.id, by_key[(row.tracked_link_id, row.visitor_hash, row.hour_bucket)]) for row in rows]
    return stored


def _take_sqlite_write_lock() -> None:
    """SQLite: a transaction that reads and then writes fails at once ("database is locked")
    when another process wrote in between; one that starts with a write waits its turn
    (busy_timeout). A write that matches no row takes the lock and changes nothing."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(sa.update(Click).where(sa.false()).values(hour_bucket=Click.hour_bucket))


def write_clicks(pending: Sequence[PendingClick]) -> int:
    """Store the clicks that count and award their points; flushes, the caller commits.

    Returns how many clicks were stored.
    """
    if not pending:
        return 0
    _take_sqlite_write_lock()
    live = _live_link_ids({c.link_id for c in pending})
    pending = [c for c in pending if c.link_id in live]
    if not pending:
        return 0
    stored = _insert(_to_count(pending))
    if stored:
        org_ids = {c.org_id for _, c in stored}
        orgs = {o.id: o for o in db.session.scalars(sa.select(Organization).where(Organization.id.in_(org_ids)))}
        points.award_clicks([points.ClickAward(click_id, c.at, orgs[c.org_id], c.membership_id, c.network)
                             for click_id, c in stored])
    db.session.flush()
    return len(stored)


def submit(app, click: PendingClick) -> bool:
    """Hand a click to the app's buffer; True when it was written in this request's session."""
    return click_buffer(app).submit(click)


def click_buffer(app) -> ClickBuffer:
    return app.extensions["click_buffer"]


def install_click_buffer(app) -> None:
    """One buffer per app (per process); flushed in batches and on shutdown."""
    app.extensions["click_buffer"] = ClickBuffer(app, write=write_clicks)
