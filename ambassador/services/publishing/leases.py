"""The leases behind publishing (DESIGN.md §5): claim due shares, mark one "sending", recover leases.

A worker claims due shares (status "publishing", a lease that runs out), at most one per account
and none of an account it already has in flight, as its threads free up (jobs/publisher.py).
Right before each network call it records the share as *sending*
(`sending_at`, committed). When a worker dies, its leases run out and `recover_expired_leases`
can tell the two apart:
- claimed, never sent (`sending_at` unset): back to the queue at once, the attempt refunded;
- sending: it may be on the network. "unconfirmed" (a person decides), except on a network whose
  publish is idempotent (adapter attribute `idempotent_publish`, within its idempotency window),
  where sending it again cannot double-post, so it is scheduled again.

These functions commit: the worker's job is their outermost unit of work.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Collection
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import InstrumentedAttribute, aliased

from ...extensions import db
from ...infra import compiled, database
from ...infra.database import begin_write
from ...infra.json_sql import in_json_ids, json_ids
from ...models import AccountStatus, AppRateLimit, Share, ShareMethod, ShareStatus, SocialAccount, utcnow
from ...providers import registry
from ...providers.base import ErrorKind

log = logging.getLogger(__name__)

LEASE_LOST_MESSAGE = "The worker stopped while publishing; check on the network whether it went out."


def is_idempotent(network: str, *, since: datetime | None = None, now: datetime | None = None) -> bool:
    """Does the network's adapter make a repeated publish of the same share harmless?

    `since` is when the share could first have been sent (its scheduled time, which is never
    later than the first attempt): past the network's idempotency window the answer is no.
    """
    provider = registry.all_classes().get(network)
    if not (provider and provider.idempotent_publish):
        return False
    window = provider.idempotency_window
    return window is None or since is None or (now or utcnow()) - since < window


def _is(column: sa.ColumnElement[str] | InstrumentedAttribute[str], value: str) -> sa.ColumnElement[bool]:
    """column = 'value', the value written in the SQL text rather than sent as a parameter: the queue's partial
    indexes (ix_share_queue, ix_share_account_publishing) are defined by these values, and the plan PostgreSQL
    keeps for a prepared statement (a generic plan) can use a partial index only when the statement itself says
    its rows match. (Values from the code's own enums, never from input.)"""
    assert value.isidentifier(), value
    return column == sa.literal_column(f"'{value}'", sa.String)


def _due(now: datetime | sa.BindParameter, *columns: sa.ColumnElement) -> sa.Select:
    app_limit = sa.and_(AppRateLimit.provider == SocialAccount.provider,
                        AppRateLimit.service_url == SocialAccount.service_url)
    return (sa.select(Share.id, *columns)
            .join(SocialAccount, Share.account_id == SocialAccount.id)
            .outerjoin(AppRateLimit, app_limit)
            .where(_is(Share.method, ShareMethod.API), _is(Share.status, ShareStatus.SCHEDULED),
                   Share.next_attempt_at <= now, _is(SocialAccount.status, AccountStatus.ACTIVE),
                   sa.or_(SocialAccount.rate_limited_until.is_(None), SocialAccount.rate_limited_until <= now),
                   sa.or_(AppRateLimit.until.is_(None), AppRateLimit.until <= now)))


# One account's shares often fall due together (a queue slot, an auto-shared campaign): the earliest
# HEAD_PER_CLAIM × limit due shares are looked at for `limit` accounts.
HEAD_PER_CLAIM = 8


def _first_of_each_account(now: datetime | sa.BindParameter, *, limit: int | sa.ColumnElement[int]) -> sa.Select:
    """The ids of up to `limit` due shares, each its account's earliest and none of an account with a share
    being published — by any worker, this one included, and until its outcome is recorded (an account's shares
    go out one after another, a 429 not yet written down holds back the next one, and two workers never record
    one member's shares at once) — earliest first, by next_attempt_at (which requeue_behind moves on for an
    account that just had a share go out: accounts take turns).

    Only the head of the queue is ranked (a top-N, not a sort of every due share): among the earliest
    HEAD_PER_CLAIM × limit due shares, each account's first. A row_number window (PostgreSQL and
    SQLite alike); PostgreSQL cannot lock rows of a windowed query, so the caller locks the rows
    these ids name.
    """
    in_flight = aliased(Share, name="in_flight")
    head = (_due(now, Share.account_id.label("account_id"), Share.next_attempt_at.label("due_at"),
                 Share.scheduled_at.label("first_due"))
            .where(~sa.exists().where(in_flight.account_id == Share.account_id,
                                      _is(in_flight.status, ShareStatus.PUBLISHING))))
    queue = head.order_by(Share.next_attempt_at, Share.id).limit(HEAD_PER_CLAIM * limit).subquery()
    # An account's own shares in the order they fell due (requeue_behind gives those it moved one due time).
    rank = sa.func.row_number().over(partition_by=queue.c.account_id,
                                     order_by=(queue.c.due_at, queue.c.first_due, queue.c.id))
    ranked = sa.select(queue.c.id, queue.c.due_at, rank.label("rank")).subquery()
    return (sa.select(ranked.c.id).where(ranked.c.rank == 1)
            .order_by(ranked.c.due_at, ranked.c.id).limit(limit))


def _claim(*, worker_id: str, limit: int, now: datetime | None, one_per_account: bool) -> dict[int, int | None]:
    now = now or utcnow()
    begin_write()
    lease_until = now + timedelta(seconds=current_app.config["PUBLISH_LEASE_SECONDS"])
    on_postgresql = db.session.get_bind().dialect.name == "postgresql"
    claimed: dict[int, int | None]
    if on_postgresql and one_per_account:  # the worker's claim, as often as its threads free up
        claimed = dict(compiled.read(db.session, _claim_next_statement(), {
            "now": now, "claim_limit": limit, "worker_id": worker_id, "lease_until": lease_until}).tuples().all())
        db.session.commit()
        return claimed
    claim = (sa.update(Share).where(Share.status == ShareStatus.SCHEDULED, Share.next_attempt_at <= now)
             .values(status=ShareStatus.PUBLISHING, lease_owner=worker_id, lease_expires_at=lease_until,
                     sending_at=None,
                     attempts=Share.attempts + 1)
             .execution_options(synchronize_session=False))
    order = (Share.next_attempt_at, Share.id)
    if on_postgresql:
        chosen = _due(now).order_by(*order).limit(limit).with_for_update(skip_locked=True, of=Share).cte("chosen")
        claimed = dict(db.session.execute(claim.where(Share.id == chosen.c.id)
                                          .returning(Share.id, Share.account_id)).tuples().all())
    else:
        query = (_first_of_each_account(now, limit=limit) if one_per_account
                 else _due(now).order_by(*order).limit(limit))
        rows = db.session.execute(sa.select(Share.id, Share.account_id).where(Share.id.in_(query.scalar_subquery()))
                                  .order_by(*order)).tuples().all()
        claimed = {share_id: account_id for share_id, account_id in rows
                   if database.changed_rows(claim.where(Share.id == share_id)) == 1}
    db.session.commit()
    return claimed


@functools.cache
def _claim_next_statement() -> sa.Update:
    """PostgreSQL's claim of each account's first due share, built and compiled once (infra/compiled.py: the
    worker runs it as often as its threads free up): WITH chosen AS (SELECT … FOR UPDATE SKIP LOCKED) UPDATE …
    FROM chosen RETURNING (a CTE that locks is evaluated once; an IN (subquery) may be run again per row and take
    more than the limit). Parameters: now, claim_limit, worker_id, lease_until."""
    now = sa.bindparam("now", type_=sa.DateTime())
    limit = sa.bindparam("claim_limit", type_=sa.Integer())
    # Twice as many candidates as wanted: a worker that finds the first ones locked by another
    # takes the next ones instead of coming back empty.
    firsts = _first_of_each_account(now, limit=2 * limit)
    chosen = (sa.select(Share.id)
              .where(Share.id.in_(firsts.scalar_subquery()), _is(Share.status, ShareStatus.SCHEDULED))
              .order_by(Share.next_attempt_at, Share.id).limit(limit)
              .with_for_update(skip_locked=True, of=Share).cte("chosen"))
    return (sa.update(Share).where(_is(Share.status, ShareStatus.SCHEDULED), Share.next_attempt_at <= now,
                                   Share.id == chosen.c.id)
            .values(status=ShareStatus.PUBLISHING, lease_owner=sa.bindparam("worker_id", type_=sa.String()),
                    lease_expires_at=sa.bindparam("lease_until", type_=sa.DateTime()), sending_at=None,
                    attempts=Share.attempts + 1)
            .returning(Share.id, Share.account_id).execution_options(synchronize_session=False))


def claim_due_shares(*, worker_id: str, limit: int, now: datetime | None = None) -> list[int]:
    """Claim up to `limit` due shares for `worker_id` and commit the claim; returns their ids.

    PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED, so concurrent workers take disjoint rows.
    SQLite: a conditional UPDATE per candidate (writers are serialized; rowcount 1 = ours).
    """
    return sorted(_claim(worker_id=worker_id, limit=limit, now=now, one_per_account=False))


def claim_next_shares(*, worker_id: str, limit: int, now: datetime | None = None) -> dict[int, int | None]:
    """Claim up to `limit` due shares, at most one per account and none of an account with a share being
    published (in any worker, until its outcome is recorded), and commit; returns {share id: account id}.

    So no account ever has two calls in flight: its shares go out in order, one after another, and after a
    429 the next one is not claimed (its account is deferred).
    """
    return _claim(worker_id=worker_id, limit=limit, now=now, one_per_account=True)


def requeue_behind(conn: sa.Connection, account_ids: Collection[int], *, now: datetime) -> None:
    """Fair turns when more is due than the workers can send at once: once one of an account's shares went out,
    its other due shares queue behind every share that fell due before `now` (their next_attempt_at becomes
    `now`; they keep their order among themselves, by scheduled_at). So a member with ten shares due together
    takes one turn at a time with the others instead of going first ten times: everyone's first share goes out
    before anyone's tenth, and an account held back by its network's rate limit gets its turns early rather than
    all at the end. Nothing changes when nothing else is due: a share due before `now` is still due."""
    if not account_ids:
        return
    ids = sorted(set(account_ids))
    postgresql_ = conn.dialect.name == "postgresql"
    conn.execute(_requeue_statement(postgresql_), {"ids": ids if postgresql_ else json_ids(ids), "now": now})


@functools.cache
def _requeue_statement(postgresql_: bool) -> sa.Update:
    """Built once, one SQL text whatever the number of accounts. On PostgreSQL the ids are one array (= ANY), which
    it looks up one by one in ix_share_account_queue (a JSON array's elements, a set of unknown size, may be
    hash-joined against the whole queue instead)."""
    now = sa.bindparam("now", type_=sa.DateTime())
    accounts = (Share.account_id == sa.any_(sa.bindparam("ids", type_=postgresql.ARRAY(sa.Integer())))
                if postgresql_ else in_json_ids(Share.account_id, "ids"))
    return (sa.update(Share).where(accounts, Share.method == ShareMethod.API, Share.status == ShareStatus.SCHEDULED,
                                   Share.next_attempt_at < now)
            .values(next_attempt_at=now).execution_options(synchronize_session=False))


# Back in the queue without having called the network: the claim's attempt does not count.
_REQUEUED: dict[str, object] = dict(
    status=ShareStatus.SCHEDULED, lease_owner=None, lease_expires_at=None, sending_at=None,
    attempts=sa.case((Share.attempts > 0, Share.attempts - 1), else_=0))


def release(share_id: int, *, worker_id: str, at: datetime, **values) -> None:
    """Give a claimed share back without having called the network (the attempt does not count)."""
    begin_write()  # SQLite: after this thread's reads, a write could not wait its turn
    db.session.execute(
        sa.update(Share).where(Share.id == share_id, Share.status == ShareStatus.PUBLISHING,
                               Share.lease_owner == worker_id,
                               Share.sending_at.is_(None))
        .values(**_REQUEUED, next_attempt_at=at, **values).execution_options(synchronize_session=False))
    db.session.commit()


def mark_sending(share_ids: Collection[int], *, worker_id: str, now: datetime) -> set[int]:
    """Record (and commit) that the network is about to be called for these shares; the ids still ours.

    Only a share marked here can have reached the network, so only such a share can become
    "unconfirmed" when its worker dies. The update is conditional: a lease that ran out (and was
    perhaps recovered and claimed by another worker) is not sent. One statement for the whole batch:
    the worker marks the shares it hands to its free threads, which call the network at once.
    """
    if not share_ids:
        db.session.commit()  # what came before (refreshed tokens) is kept whatever happens next
        return set()
    params = {"worker_id": worker_id, "now": now, "sending_at": utcnow()}
    rows: sa.Result
    engine = db.session.get_bind()
    if isinstance(engine, sa.Engine) and engine.dialect.name == "postgresql" and not db.session().in_transaction():
        # Nothing before it to keep (the worker's loop committed it): the statement commits itself, on a connection
        # in autocommit mode — one round trip, no session transaction to open and close. The worker marks nearly
        # every share on its own, as a thread frees up. (A session bound to one connection, as in a test's
        # transaction, marks through the session below.)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            return set(compiled.execute(conn, _mark_statement(), {**params, "share_ids": sorted(share_ids)})
                       .scalars())
    if engine.dialect.name == "postgresql":  # one SQL text for any number of shares
        rows = compiled.read(db.session, _mark_statement(), {**params, "share_ids": sorted(share_ids)})
    else:
        begin_write()  # after this thread's reads, a write could not wait its turn
        rows = db.session.execute(_mark(Share.id.in_(sorted(share_ids))), params)
    marked = set(rows.scalars())
    db.session.commit()  # with what came before (refreshed tokens): kept whatever happens next
    return marked


def _mark(chosen: sa.ColumnElement[bool]) -> sa.Update:
    return (sa.update(Share).where(chosen, Share.status == ShareStatus.PUBLISHING,
                                   Share.lease_owner == sa.bindparam("worker_id", type_=sa.String()),
                                   Share.lease_expires_at > sa.bindparam("now", type_=sa.DateTime()))
            .values(sending_at=sa.bindparam("sending_at", type_=sa.DateTime())).returning(Share.id)
            .execution_options(synchronize_session=False))


@functools.cache
def _mark_statement() -> sa.Update:
    """PostgreSQL's mark, the ids as one array (= ANY): built and compiled once."""
    return _mark(Share.id == sa.any_(sa.bindparam("share_ids", type_=postgresql.ARRAY(sa.Integer()))))


def recover_expired_leases(*, now: datetime | None = None) -> int:
    """Shares whose worker vanished: back to the queue if never sent; else unconfirmed (or, where
    the network's publish is idempotent, scheduled again)."""
    now = now or utcnow()
    begin_write()
    max_attempts = current_app.config["PUBLISH_MAX_ATTEMPTS"]
    rows = db.session.execute(sa.select(Share.id, Share.network, Share.attempts, Share.scheduled_at,
                                        Share.sending_at).where(
        Share.method == ShareMethod.API, Share.status == ShareStatus.PUBLISHING, Share.lease_expires_at < now)).all()
    recovered = 0
    for share_id, network, attempts, scheduled_at, sending_at in rows:
        values: dict[str, object]
        if sending_at is None:
            values, state = _REQUEUED, "scheduled (never sent)"
        elif is_idempotent(network, since=scheduled_at, now=now) and attempts < max_attempts:
            values, state = dict(status=ShareStatus.SCHEDULED, next_attempt_at=now, sending_at=None), "scheduled again"
        else:
            values = dict(status=ShareStatus.UNCONFIRMED, error=LEASE_LOST_MESSAGE,
                          error_kind=ErrorKind.UNKNOWN_OUTCOME.value,
                          next_attempt_at=None)
            state = "unconfirmed"
        sent = Share.sending_at.is_(None) if sending_at is None else Share.sending_at.is_not(None)
        changed = database.changed_rows(
            sa.update(Share).where(Share.id == share_id, Share.status == ShareStatus.PUBLISHING,
                                   Share.lease_expires_at < now,
                                   sent)
            .values(**{"lease_owner": None, "lease_expires_at": None, **values})
            .execution_options(synchronize_session=False))
        recovered += changed
        if changed:
            log.warning("share %s: lease expired, now %s", share_id, state)
    db.session.commit()
    return recovered
