"""Recording what the networks said about the shares a worker sent (DESIGN.md §5), many shares per transaction.

The worker's claiming thread records the calls that ended since it last looked in one transaction: the
shares locked in id order, each outcome applied, the points of the published ones awarded together, one
flush (so the rollups see the batch at once) and one commit. A transient failure (a deadlock, a lost
connection, SQLite's "database is locked") is retried a few times with a short backoff, so a share that
went out is not left to wait out its lease and turn "unconfirmed"; a batch that still cannot be written is
recorded share by share, so one share's trouble does not hold back the others.

What each `ProviderError` kind does (providers/base.py):
- RETRY: scheduled again after exponential backoff with full jitter (honouring retry_at); failed
  once PUBLISH_MAX_ATTEMPTS claims were spent.
- RATE_LIMITED: scheduled again at retry_at, not counted as an attempt; the account (or, when
  app_wide, the whole app on that network/instance) waits too, so no other share of it is claimed.
  A share that went out with the limit's last call (the answer said none is left: PublishResult.wait_until)
  holds its account (or app) the same way until the reset, so the next share does not spend a call on a 429.
- REAUTH: the account is marked needs_reconnect (its owner is emailed) and the share waits,
  scheduled but not claimable, until the account is reconnected; if the post's window ends first,
  the expire_posts job fails it ("the account needed reconnecting"). A transient error never
  disconnects an account.
- REJECTED: failed with the network's reason. CONFIG: failed, logged as an error for the admin.
- UNKNOWN_OUTCOME, and any unexpected exception raised by the adapter: unconfirmed, never re-posted
  by itself.
"""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app

from ...extensions import db
from ...infra.database import begin_write
from ...models import Share, ShareStatus, SocialAccount, utcnow
from ...providers.base import ErrorKind, ProviderError, PublishResult
from ..analytics import rebuild as rollup_rebuild
from ..analytics import standing_queue
from ..community import points
from . import published, rate_limits, social_accounts
from .leases import is_idempotent
from .settled_shares import Announced, announce_shares

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 6 * 60 * 60
CONFIG_MESSAGE = "A configuration problem stopped this share; an admin has been told."
MIN_RATE_LIMIT_WAIT = timedelta(seconds=2)
# A recording that fails transiently is tried this many times in all, waiting RECORD_RETRY_SECONDS × 2^n
# (with jitter) in between: well within any lease, so the share is settled, not left to turn unconfirmed.
RECORD_ATTEMPTS = 4
RECORD_RETRY_SECONDS = 0.05

T = TypeVar("T")


@dataclass(frozen=True)
class Sent:
    """What one network call ended with: the network's result, or the error (or refusal before sending)."""
    share_id: int
    result: PublishResult | None = None
    error: ProviderError | None = None


def backoff_delay(attempt: int, *, base: float, cap: float = MAX_BACKOFF_SECONDS,
                  rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]."""
    ceiling = min(cap, base * 2 ** max(attempt - 1, 0))
    return timedelta(seconds=(rng or random).uniform(0, ceiling))


def is_transient(exc: BaseException) -> bool:
    """A database failure that trying again may cure: deadlock, serialization failure, lock timeout,
    "database is locked", a dropped connection."""
    return isinstance(exc, sa.exc.OperationalError) or (
        isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated)


def with_retry(write: Callable[[], T], *, attempts: int = RECORD_ATTEMPTS,
               pause: float = RECORD_RETRY_SECONDS) -> T:
    """Run `write` (which commits); on a transient failure roll back and run it again, at most `attempts` times."""
    for attempt in range(1, attempts + 1):
        try:
            return write()
        except sa.exc.DBAPIError as exc:
            db.session.rollback()
            if attempt == attempts or not is_transient(exc):
                raise
            log.warning("recording outcomes failed (%s: %s), attempt %s of %s; trying again",
                        exc.__class__.__name__, (str(exc.orig) or "?").splitlines()[0][:200], attempt, attempts)
            time.sleep(random.uniform(0.5, 1.0) * pause * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


def record_outcomes(sent: Sequence[Sent], *, worker_id: str, now: datetime | None = None,
                    queue_standings: bool = False) -> dict[int, str]:
    """Write what the networks said, in one transaction (retried when it fails transiently), and commit;
    returns {share id: outcome}. A batch that cannot be written is recorded share by share. `queue_standings`:
    the published shares' additions to the standings are queued, for `add_queued_standings` (the worker)."""
    if not sent:
        return {}
    if queue_standings:
        with standing_queue.deferred():
            return record_outcomes(sent, worker_id=worker_id, now=now)
    try:
        return with_retry(lambda: _record(sent, worker_id=worker_id, now=now or utcnow()))
    except Exception:  # noqa: BLE001 - one share's trouble must not lose the others' outcomes
        db.session.rollback()
        if len(sent) == 1:
            log.exception("share %s: its outcome could not be recorded; its lease will be recovered", sent[0].share_id)
            return {sent[0].share_id: "error"}
        log.exception("a batch of %s outcomes could not be recorded; recording them one by one", len(sent))
    outcomes: dict[int, str] = {}
    for one in sent:
        outcomes.update(record_outcomes([one], worker_id=worker_id, now=now))
    return outcomes


def add_queued_standings() -> int:
    """Add what this worker (or another) queued for the standings, one batch per transaction (retried when it
    fails transiently), committed; how many rows."""
    added = 0
    while True:
        taken = with_retry(_add_queued)
        added += taken
        if taken < rollup_rebuild.QUEUE_BATCH:
            return added


def _add_queued() -> int:
    db.session.rollback()
    begin_write()
    taken = rollup_rebuild.add_queued_standings()
    db.session.commit()
    return taken


def record_outcome(share_id: int, *, worker_id: str, result: PublishResult | None = None,
                   error: ProviderError | None = None, now: datetime | None = None) -> str:
    """One share's outcome (record_outcomes for one); commits."""
    return record_outcomes([Sent(share_id, result, error)], worker_id=worker_id, now=now)[share_id]


def _record(sent: Sequence[Sent], *, worker_id: str, now: datetime) -> dict[int, str]:
    db.session.rollback()
    begin_write()
    by_id = {one.share_id: one for one in sent}
    conn = db.session.connection()
    locked = published.lock(conn, sorted(by_id))
    # Every member of the batch locked now, in one statement in id order, before any points or rollup row:
    # the points and the rollups lock (some of) them again later, and two workers taking them in two
    # steps each could deadlock.
    points.lock_members(share.membership_id for share in locked.values())
    outcomes: dict[int, str] = {share_id: "lost" for share_id in by_id if share_id not in locked}  # deleted meanwhile
    confirmed: list[tuple[published.Locked, PublishResult]] = []
    others: list[Sent] = []
    for share_id, one in by_id.items():
        share = locked.get(share_id)
        if share is None:
            continue
        if one.result is not None and share.status in published.PUBLISHABLE:
            confirmed.append((share, one.result))  # it went out, whoever held the lease meanwhile
            outcomes[share_id] = "published"
        elif share.status != ShareStatus.PUBLISHING or share.lease_owner != worker_id:
            log.warning("share %s: lease lost before recording %s; left as %s", share_id, one.error or one.result,
                        share.status)
            outcomes[share_id] = "lost"
        else:
            others.append(one)
    with db.session.no_autoflush:  # the ORM's changes (the errors') are flushed once, at the commit
        settled: list[Announced] = list(record_published(confirmed, now=now))
        _defer_spent(confirmed, now=now)
        if others:
            failed = _apply_errors(others, now=now, outcomes=outcomes)
            settled += [share for share in failed if outcomes[share.id] == "failed"]
        # Event webhooks for what is settled (published, or failed for good), in one query for the batch.
        announce_shares(sorted(settled, key=lambda share: share.id))
    db.session.commit()
    return {share_id: outcomes[share_id] for share_id in by_id}  # in the order they were given


def record_published(confirmed: Sequence[tuple[published.Locked, PublishResult]], *,
                     now: datetime) -> list[published.Locked]:
    """The shares the networks confirmed: published, their points and rollups (published.record)."""
    return published.record(db.session.connection(), confirmed, now=now)


def _defer_spent(confirmed: Sequence[tuple[published.Locked, PublishResult]], *, now: datetime) -> None:
    """The accounts (or apps) whose call spent the last one their rate limit allowed wait until its reset, as
    after a 429 but without spending a call on it (PublishResult.wait_until)."""
    for share, result in confirmed:
        if result.wait_until is not None and result.wait_until > now and share.account_id is not None:
            account = db.session.get(SocialAccount, share.account_id)
            if account is not None:
                rate_limits.defer(account, result.wait_until, app_wide=result.wait_app_wide)


def _apply_errors(others: Sequence[Sent], *, now: datetime, outcomes: dict[int, str]) -> list[Share]:
    """What the networks said about the shares they did not confirm (still this worker's), through the ORM: their
    rescheduling, rate limits and accounts; sets each one's outcome and returns the shares."""
    shares = list(db.session.scalars(sa.select(Share).where(Share.id.in_(sorted(one.share_id for one in others)))
                                     .order_by(Share.id).execution_options(populate_existing=True)))
    errors = {one.share_id: one.error or ProviderError(ErrorKind.UNKNOWN_OUTCOME, "No outcome was recorded.")
              for one in others}
    for share in shares:
        outcomes[share.id] = _apply_error(share, errors[share.id], now)
        share.lease_owner = share.lease_expires_at = None
    return shares


def fail(share: Share, message: str, kind: ErrorKind | None = None) -> str:
    share.status = ShareStatus.FAILED
    share.error = message[:2000]
    share.error_kind = kind.value if kind else None
    share.next_attempt_at = None
    return "failed"


def _reschedule(share: Share, at: datetime, *, counted: bool) -> None:
    share.status = ShareStatus.SCHEDULED
    share.next_attempt_at = at
    if not counted:
        share.attempts = max(share.attempts - 1, 0)


def _apply_error(share: Share, error: ProviderError, now: datetime) -> str:
    config = current_app.config
    account = share.account
    kind = error.kind
    share.error_kind = kind.value
    share.error = (error.message or kind.value)[:2000]
    if kind is ErrorKind.RATE_LIMITED:
        until = error.retry_at or now + timedelta(seconds=config["PUBLISH_BACKOFF_SECONDS"])
        # Reset headers have whole-second resolution (and clocks differ): never retry sooner than
        # a moment from now, or a reset "already past" would make every worker hammer the network.
        until = max(until, now + MIN_RATE_LIMIT_WAIT)
        if account is not None:
            rate_limits.defer(account, until, app_wide=error.app_wide)
        _reschedule(share, until, counted=False)
        return "rate_limited"
    if kind is ErrorKind.RETRY and share.attempts > 1 and is_idempotent(share.network) \
            and not is_idempotent(share.network, since=share.scheduled_at, now=now):
        # An earlier attempt may have gone through and the network forgot its idempotency key.
        kind = ErrorKind.UNKNOWN_OUTCOME
        share.error_kind = kind.value
    if kind is ErrorKind.RETRY:
        if share.attempts >= config["PUBLISH_MAX_ATTEMPTS"]:
            return fail(share, f"Gave up after {share.attempts} attempts: {share.error}", kind)
        at = now + backoff_delay(share.attempts, base=config["PUBLISH_BACKOFF_SECONDS"])
        _reschedule(share, max(at, error.retry_at or at), counted=True)
        return "retry"
    if kind is ErrorKind.REAUTH:
        if account is not None:
            social_accounts.mark_needs_reconnect(account, reason=error.message)
        share.error = "The account needs reconnecting."
        _reschedule(share, now, counted=False)  # waits, unclaimable, until the account is active again
        return "blocked"
    if kind is ErrorKind.CONFIG:
        log.error("share %s: configuration problem on %s: %s", share.id, share.network, error.message)
        return fail(share, CONFIG_MESSAGE, kind)
    if kind is ErrorKind.REJECTED:
        return fail(share, f"The network refused the post: {error.message}", kind)
    share.status = ShareStatus.UNCONFIRMED  # UNKNOWN_OUTCOME: a person decides; never re-posted by itself
    share.next_attempt_at = None
    return "unconfirmed"
