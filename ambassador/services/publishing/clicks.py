"""Counting clicks on tracked links: the rules, applied by the worker as it drains the click sink.

The redirect only queues a `PendingClick` (services/publishing/click_sink.py: an in-process buffer
flushed into the `click_inbox` table); the worker's `drain_clicks` job, every few seconds, hands
each batch of the inbox to `write_clicks`, so click counts, points and leaderboards lag the redirect
by a few seconds (CLICK_FLUSH_INTERVAL + CLICK_DRAIN_INTERVAL_SECONDS).

`write_clicks` is where the counting rules live. A visitor is the address (IPv6: its /64
network), never the user agent, which the visitor chooses freely. A visitor counts once per
link per sliding hour and at most CLICKS_PER_ADDRESS_PER_LINK_PER_DAY times per link per UTC
day (both checked against stored rows and within the batch). Two unique constraints guard
the same rules against two processes racing: (link, visitor, hour bucket), and (link,
visitor, day bucket, day slot), where the slot is the click's rank among the visitor's counted
clicks on that link that day (0 .. cap-1), so a second writer choosing the same rank loses.
Each counted click awards the link's member click points, and adds to the rollups
(services/analytics/rollups.py), in the same transaction (the drain's, which also deletes the
inbox rows it counted: a batch is counted once).
"""
from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import NamedTuple, cast
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from ...extensions import db
from ...infra.addresses import visitor_address
from ...models import Click, Organization, TrackedLink, utcnow
from ..analytics import rollups
from ..community import points
from .tracked_links import LinkTarget

DEDUPE_WINDOW = timedelta(hours=1)
DEFAULT_DAILY_CAP = 3  # CLICKS_PER_ADDRESS_PER_LINK_PER_DAY when not configured
_CHUNK = 400  # rows per statement: well under SQLite's bound-parameter limit


class PendingClick(NamedTuple):
    link_id: int
    org_id: int
    membership_id: int
    network: str
    visitor_hash: str
    referrer_host: str
    at: datetime


def visitor_hash(*, salt: str, ip: str | None) -> str:
    """A keyed hash of the visitor's address: stable for dedupe, never the raw address."""
    return hmac.new(salt.encode(), visitor_address(ip).encode("utf-8", "replace"), hashlib.sha256).hexdigest()


def referrer_host(referrer: str | None) -> str:
    if not referrer:
        return ""
    try:
        return (urlsplit(referrer).hostname or "")[:255]
    except ValueError:
        return ""


def hour_bucket(at: datetime) -> int:
    return int(at.replace(tzinfo=UTC).timestamp()) // 3600


def day_bucket(at: datetime) -> int:
    """The UTC day (days since the epoch) the daily cap counts in; always hour_bucket // 24."""
    return hour_bucket(at) // 24


def daily_cap() -> int:
    """Counted clicks per visitor address per link per day (at least 1)."""
    return max(1, int(current_app.config.get("CLICKS_PER_ADDRESS_PER_LINK_PER_DAY", DEFAULT_DAILY_CAP)))


def pending_click(target: LinkTarget, *, salt: str, ip: str | None, referrer: str | None = None,
                  at: datetime | None = None) -> PendingClick:
    return PendingClick(
        link_id=target.link_id, org_id=target.org_id, membership_id=target.membership_id, network=target.network,
        visitor_hash=visitor_hash(salt=salt, ip=ip), referrer_host=referrer_host(referrer), at=at or utcnow())


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


def _day_start(at: datetime) -> datetime:
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


def _counted_near(pending: Sequence[PendingClick]) -> dict[tuple[int, str], list[datetime]]:
    """Stored clicks of the batch's (link, visitor) pairs within an hour of the batch or on its UTC days.

    Looked up by (link, visitor) pairs and a range of hour buckets: the unique index answers it.
    """
    counted: dict[tuple[int, str], list[datetime]] = defaultdict(list)
    start = min(_day_start(min(c.at for c in pending)), min(c.at for c in pending) - DEDUPE_WINDOW)
    end = max(_day_start(max(c.at for c in pending)) + timedelta(days=1), max(c.at for c in pending) + DEDUPE_WINDOW)
    pairs = sorted({(c.link_id, c.visitor_hash) for c in pending})
    if db.session.get_bind().dialect.name == "postgresql":
        # The pairs as a relation, each looked up in the unique index (_NEAR_PG). (A long row-value IN list was
        # planned as a scan that grew with the table: 0.17 s a batch of 1,000 at 20,000 clicks, 1 s at 80,000.)
        rows = db.session.execute(_NEAR_PG, {
            "links": [link for link, _ in pairs], "visitors": [visitor for _, visitor in pairs],
            "first_hour": hour_bucket(start), "last_hour": hour_bucket(end)})
        for link_id, visitor, at in rows:
            counted[(link_id, visitor)].append(at)
        return counted
    for chunk in _chunks(pairs):
        rows = db.session.execute(
            sa.select(Click.tracked_link_id, Click.visitor_hash, Click.created_at).where(
                sa.tuple_(Click.tracked_link_id, Click.visitor_hash).in_(chunk),
                Click.hour_bucket.between(hour_bucket(start), hour_bucket(end)),
                Click.created_at >= start, Click.created_at < end))
        for link_id, visitor, at in rows:
            counted[(link_id, visitor)].append(at)
    return counted


# LATERAL (and OFFSET 0, so that the planner does not flatten it back into a join): the click table is probed once
# per pair, never scanned with the pairs looked up per click; and no condition on created_at, so that the probe
# can only be the unique index (link, visitor, hour): with one, a plan walked the day's clicks by time for each
# pair. The hour buckets hold at most an hour more on each side than [start, end): clicks more than an hour from
# every click of the batch and on another UTC day, which neither the hour rule nor the day's slots count. As a plain
# join, psycopg's prepared statement got PostgreSQL's generic plan, which, with the click table not analyzed
# yet (a new database, a burst between autovacuum runs), took it for nine rows and the unnested pairs for ten,
# and ran a nested loop over every click of the two days with the pairs inside: 0.5-0.7 s a batch at 25,000
# clicks (auto_explain), 2.3 s a batch on average over a backlog of 81,000 (bench/redirect.py's drain, 185 s);
# now a lookup in the unique index per pair.
_NEAR_PG = sa.text(
    "SELECT pair.link_id, pair.visitor, c.created_at"
    " FROM unnest(CAST(:links AS integer[]), CAST(:visitors AS varchar[])) AS pair (link_id, visitor)"
    " CROSS JOIN LATERAL (SELECT near.created_at FROM click near"
    " WHERE near.tracked_link_id = pair.link_id AND near.visitor_hash = pair.visitor"
    " AND near.hour_bucket BETWEEN :first_hour AND :last_hour OFFSET 0) AS c")


class CountedClick(NamedTuple):
    click: PendingClick
    day_slot: int  # its rank among the visitor's counted clicks on the link that UTC day


def _to_count(pending: Sequence[PendingClick], *, cap: int) -> list[CountedClick]:
    """Drop repeats: a visitor counts once per link within any sliding hour, at most `cap` times a UTC day."""
    counted = _counted_near(pending)
    keep = []
    for click in sorted(pending, key=lambda c: c.at):
        times = counted[(click.link_id, click.visitor_hash)]
        if any(abs(click.at - at) < DEDUPE_WINDOW for at in times):
            continue
        slot = sum(1 for at in times if day_bucket(at) == day_bucket(click.at))
        if slot >= cap:
            continue
        times.append(click.at)
        keep.append(CountedClick(click, slot))
    return keep


def _insert(counted: Sequence[CountedClick]) -> list[tuple[int, PendingClick]]:
    """Insert, skipping rows another process inserted first (either unique constraint)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(sa.Table, Click.__table__)
    by_key = {(c.click.link_id, c.click.visitor_hash, hour_bucket(c.click.at)): c for c in counted}
    if not by_key:
        return []
    # One cached statement, many parameter sets (SQLAlchemy's insertmanyvalues batches them).
    # No conflict target: a row that breaks the hour rule or takes a day slot already taken is skipped.
    stmt = (insert(table).on_conflict_do_nothing()
            .returning(table.c.id, table.c.tracked_link_id, table.c.visitor_hash, table.c.hour_bucket))
    rows = db.session.execute(stmt, [
        {"org_id": c.click.org_id, "tracked_link_id": link_id, "visitor_hash": visitor, "hour_bucket": bucket,
         "day_bucket": bucket // 24, "day_slot": c.day_slot, "referrer_host": c.click.referrer_host,
         "created_at": c.click.at} for (link_id, visitor, bucket), c in by_key.items()])
    return [(row.id, by_key[(row.tracked_link_id, row.visitor_hash, row.hour_bucket)].click) for row in rows]


def _take_sqlite_write_lock() -> None:
    """SQLite: a transaction that reads and then writes fails at once ("database is locked")
    when another process wrote in between; one that starts with a write waits its turn
    (busy_timeout). A write that matches no row takes the lock and changes nothing."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(sa.update(Click).where(sa.false()).values(hour_bucket=Click.hour_bucket))


def write_clicks(pending: Sequence[PendingClick], *, cap: int | None = None) -> int:
    """Store the clicks that count and award their points; flushes, the caller commits.

    `cap`: counted clicks per visitor per link per UTC day (CLICKS_PER_ADDRESS_PER_LINK_PER_DAY).
    Returns how many clicks were stored.
    """
    if not pending:
        return 0
    _take_sqlite_write_lock()
    live = _live_link_ids({c.link_id for c in pending})
    pending = [c for c in pending if c.link_id in live]
    if not pending:
        return 0
    stored = _insert(_to_count(pending, cap=daily_cap() if cap is None else cap))
    # Only the rows the database inserted (RETURNING): a batch flushed twice adds nothing twice.
    rollups.clicks_counted([rollups.ClickRow(c.org_id, c.link_id, c.at) for _, c in stored])
    if stored:
        org_ids = {c.org_id for _, c in stored}
        orgs = {o.id: o for o in db.session.scalars(sa.select(Organization).where(Organization.id.in_(org_ids)))}
        points.award_clicks([points.ClickAward(click_id, c.at, orgs[c.org_id], c.membership_id, c.network)
                             for click_id, c in stored])
    db.session.flush()
    return len(stored)
