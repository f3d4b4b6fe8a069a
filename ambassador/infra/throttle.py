"""Throttles for logins and forms, counted in the database.

Why the database and not Flask-Limiter's storage: its default storage is in memory, hence per
process, and nothing here may assume one process; Redis would be one more thing to run. A row
per (scope, key) works across processes and hosts with no set-up, and the same lock serializes
the check and the record, so parallel requests cannot slip past a limit:

- PostgreSQL: the counter row is created if missing (INSERT … ON CONFLICT DO NOTHING), then
  locked (SELECT … FOR UPDATE) until the transaction ends; rows are locked in a fixed order.
- SQLite: the transaction starts with a write (`database.begin_write`), so it holds the write
  lock from the start and a parallel request waits for it (busy_timeout) instead of failing
  with "database is locked".

`hit()` ends the transaction it runs in (commits before and after): the count must survive a
rollback of the form's own work, and the lock must not be held while a password is hashed.

Two kinds of policy, both "`limit` attempts, then wait":
- a plain limit: at most `limit` attempts in a window of `window` seconds from the first one;
- a backoff: after `limit` attempts each further one waits twice as long as the one before
  (`first_delay`, ×2, … up to `max_delay` seconds); `window` seconds without an attempt forget them.
Keys are keyed hashes (HMAC with SECRET_KEY): no address or email is stored in clear.
"""
from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import ThrottleCounter, utcnow
from . import database


@dataclass(frozen=True)
class Policy:
    scope: str
    limit: int  # attempts let through before any wait
    window: int  # seconds: the window of a plain limit; for a backoff, the quiet time that forgets attempts
    first_delay: float | None = None  # a backoff's first wait in seconds (None: a plain limit)
    max_delay: float = 0

    def delay_after(self, hits: int) -> timedelta | None:
        """How long to wait after the `hits`-th attempt; None when the next one may come at once."""
        if hits < self.limit:
            return None
        if self.first_delay is None:
            return timedelta(seconds=self.window)  # counted from the window's start, see _record
        return timedelta(seconds=min(self.first_delay * 2 ** (hits - self.limit), self.max_delay))


@dataclass(frozen=True)
class Verdict:
    retry_after: int = 0  # seconds to wait; 0: let through (and counted)

    @property
    def allowed(self) -> bool:
        return self.retry_after == 0


def form_policy(name: str) -> Policy:
    """A plain limit from the FORM_THROTTLES setting: {name: (attempts, seconds)}."""
    limit, window = current_app.config["FORM_THROTTLES"][name]
    return Policy(scope=name, limit=int(limit), window=int(window))


def allowed(name: str, subject: str) -> bool:
    """Count one more use of FORM_THROTTLES[name] for `subject` (an email, a user id); False over the limit.

    Ends the transaction like `hit` and opens the next one with a write, for the caller's own work.
    """
    return hit((form_policy(name), key(name, subject)), then_write=True).allowed


def key(scope: str, *parts: str | None) -> str:
    message = "\x1f".join([scope, *(part or "-" for part in parts)]).encode()
    return hmac.new(str(current_app.config["SECRET_KEY"]).encode(), message, hashlib.sha256).hexdigest()


def hit(*checks: tuple[Policy, str], now: datetime | None = None, then_write: bool = False) -> Verdict:
    """Check the keys against their policies and, when none says wait, count an attempt on each.

    When one says wait nothing is counted (the caller should do nothing either) and the longest
    wait is returned. Ends the transaction (see the module's docstring); with `then_write`, an
    attempt let through opens the next one with `database.begin_write` for the form's own work
    (SQLite: a form that reads then writes would otherwise fail under parallel requests).
    """
    now = now or utcnow()
    database.begin_write()
    rows = [(policy, _locked_row(policy.scope, hashed, now)) for policy, hashed in sorted(checks, key=_order)]
    for policy, row in rows:
        if row.expires_at <= now:
            row.hits, row.blocked_until = 0, None
            row.expires_at = now + timedelta(seconds=policy.window)
    waits = [row.blocked_until - now for _policy, row in rows if row.blocked_until and row.blocked_until > now]
    if waits:
        db.session.commit()
        return Verdict(retry_after=max(1, math.ceil(max(waits).total_seconds())))
    for policy, row in rows:
        _record(policy, row, now)
    if then_write:
        database.begin_write()
    else:
        db.session.commit()
    return Verdict()


def forgive(policy: Policy, hashed: str, *, forget: bool) -> None:
    """An attempt counted by `hit` turned out fine: take it back (or forget all attempts). Flushes only."""
    row = db.session.scalar(_select(policy.scope, hashed))
    if row is None:
        return
    row.hits = 0 if forget else max(0, row.hits - 1)
    if policy.delay_after(row.hits) is None:
        row.blocked_until = None
    db.session.flush()


def purge_expired(now: datetime | None = None) -> int:
    """Delete the counters that count nothing any more; returns how many."""
    return database.changed_rows(sa.delete(ThrottleCounter).where(ThrottleCounter.expires_at <= (now or utcnow())))


def _order(check: tuple[Policy, str]) -> tuple[str, str]:
    return check[0].scope, check[1]


def _record(policy: Policy, row: ThrottleCounter, now: datetime) -> None:
    row.hits += 1
    delay = policy.delay_after(row.hits)
    if policy.first_delay is None:
        if delay is not None:
            row.blocked_until = row.expires_at  # the window's end
    else:
        row.blocked_until = now + delay if delay is not None else None
        row.expires_at = max(now, row.blocked_until or now) + timedelta(seconds=policy.window)
    db.session.flush()


def _select(scope: str, hashed: str) -> sa.Select:
    return (sa.select(ThrottleCounter).where(ThrottleCounter.scope == scope, ThrottleCounter.key_hash == hashed)
            .with_for_update().execution_options(populate_existing=True))


def _locked_row(scope: str, hashed: str, now: datetime) -> ThrottleCounter:
    """The counter row of (scope, key), created if missing, locked until the transaction ends."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    while True:
        db.session.execute(insert(ThrottleCounter)
                           .values(scope=scope, key_hash=hashed, hits=0, expires_at=now)
                           .on_conflict_do_nothing(index_elements=["scope", "key_hash"]))
        row = db.session.scalar(_select(scope, hashed))
        if row is not None:  # else purged between the two statements: create it again
            return row
