"""The worker's side of publishing: claim due API shares, publish each at most once, record the outcome.

DESIGN.md §5. The claim is committed before the network is called, and each share is marked
*sending* (committed) right before its own call, so a worker that dies mid-batch leaves only the
share it was sending "unconfirmed"; the rest of its lease goes back to the queue
(services/publishing/leases.py: claiming, marking, lease recovery).

What each `ProviderError` kind does (providers/base.py):
- RETRY: scheduled again after exponential backoff with full jitter (honouring retry_at); failed
  once PUBLISH_MAX_ATTEMPTS claims were spent.
- RATE_LIMITED: scheduled again at retry_at, not counted as an attempt; the account (or, when
  app_wide, the whole app on that network/instance) waits too, so no other share of it is claimed.
- REAUTH: the account is marked needs_reconnect (its owner is emailed) and the share waits,
  scheduled but not claimable, until the account is reconnected; if the post's window ends first,
  the expire_posts job fails it ("the account needed reconnecting"). A transient error never
  disconnects an account.
- REJECTED: failed with the network's reason. CONFIG: failed, logged as an error for the admin.
- UNKNOWN_OUTCOME, and any unexpected exception raised by the adapter: unconfirmed, never re-posted
  by itself.

These functions commit: they run as the outermost unit of work of the worker's job. The job
(jobs/publisher.py) names the worker and keeps its threads fed: it claims here as threads free up
(one share per account, none of an account it has in flight) and publishes each share in a thread.
"""
from __future__ import annotations

import logging
import random
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Protocol

from flask import current_app
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...infra import crypto
from ...infra.database import begin_write
from ...models import AccountStatus, MemberStatus, Share, ShareStatus, SocialAccount, utcnow
from ...providers import registry
from ...providers.base import ErrorKind, ProviderError, PublishRequest, PublishResult
from . import feed, rate_limits, social_accounts
from .leases import (
    claim_next_shares,
    is_idempotent,
    mark_sending,
    recover_expired_leases,
    release,
)
from .linked_shares import award_published
from .sharing import share_language, short_url, text_with_current_link

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 6 * 60 * 60
CONFIG_MESSAGE = "A configuration problem stopped this share; an admin has been told."
MIN_RATE_LIMIT_WAIT = timedelta(seconds=2)


def backoff_delay(attempt: int, *, base: float, cap: float = MAX_BACKOFF_SECONDS,
                  rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]."""
    ceiling = min(cap, base * 2 ** max(attempt - 1, 0))
    return timedelta(seconds=(rng or random).uniform(0, ceiling))


class StopFlag(Protocol):
    """Set when the worker is asked to stop (jobs/tasks.py's shutdown_requested)."""

    def is_set(self) -> bool: ...


# --- publishing one claimed share -----------------------------------------------------------


def _fail(share: Share, message: str, kind: ErrorKind | None = None) -> str:
    share.status = ShareStatus.FAILED
    share.error = message[:2000]
    share.error_kind = kind.value if kind else None
    share.next_attempt_at = None
    return "failed"


def publish_claimed(share_id: int, *, worker_id: str, now: datetime | None = None,
                    stop: StopFlag | None = None) -> str:
    """Publish one share this worker claimed; returns the outcome (published, retry, failed …)."""
    # What publishing reads of it, in the same statement (each lazy load would be a round trip).
    share = db.session.get(Share, share_id, populate_existing=True, options=[
        joinedload(Share.account), joinedload(Share.membership), joinedload(Share.post),
        joinedload(Share.tracked_link)])
    now = now or utcnow()
    if share is None or share.status != ShareStatus.PUBLISHING or share.lease_owner != worker_id:
        log.warning("share %s: not ours any more, skipped", share_id)
        return "lost"
    account = share.account
    if stop is not None and stop.is_set() or share.lease_expires_at is None or share.lease_expires_at <= now:
        release(share_id, worker_id=worker_id, at=now)  # nothing was sent: give it back
        return "released"
    if (share.membership.status != MemberStatus.ACTIVE or account is None
            or account.status == AccountStatus.DISCONNECTED):
        reason = "The member or the account is no longer active."
    elif feed.live_post(membership=share.membership, post_id=share.post_id) is None:
        reason = "The post was withdrawn or its window ended before it went out."
    elif account.status != AccountStatus.ACTIVE:
        release(share_id, worker_id=worker_id, at=now, error_kind=ErrorKind.REAUTH.value,
                 error="The account needs reconnecting.")
        return "blocked"
    elif (until := rate_limits.limited_until(account, now)) is not None:
        release(share_id, worker_id=worker_id, at=until)
        return "rate_limited"
    else:
        return _send(share, account, worker_id=worker_id, now=now)
    begin_write()  # still ours: the lease has time left, so recovery leaves it alone
    outcome = _fail(share, reason)
    share.lease_owner = share.lease_expires_at = None
    db.session.commit()
    return outcome


def _send(share: Share, account: SocialAccount, *, worker_id: str, now: datetime) -> str:
    share_id = share.id
    if account.token_expires_at is not None and account.token_expires_at - social_accounts.REFRESH_MARGIN <= now:
        begin_write()  # the refresh will write the new tokens
    refusal: ProviderError | None = None
    try:
        provider = registry.get(account.provider)
        context = social_accounts.access_context(account, now=now)
    except (KeyError, crypto.SecretError) as exc:
        refusal = ProviderError(ErrorKind.CONFIG, f"{account.provider}: {exc!r}")
    except ProviderError as exc:
        # Refreshing the token failed: nothing was posted, whatever the kind says about the refresh.
        refusal = (exc if exc.kind in (ErrorKind.REAUTH, ErrorKind.RATE_LIMITED, ErrorKind.CONFIG)
                   else ProviderError(ErrorKind.RETRY, exc.message, retry_at=exc.retry_at))
    except Exception as exc:  # noqa: BLE001 - before publishing: surely nothing was posted
        log.exception("share %s: could not get credentials for account %s", share_id, account.id)
        refusal = ProviderError(ErrorKind.RETRY, f"Could not get credentials ({exc.__class__.__name__}).")
    if refusal is not None:
        if refusal.kind is ErrorKind.REAUTH:
            db.session.commit()  # refresh_now marked the account and emailed its owner
        return record_outcome(share_id, worker_id=worker_id, error=refusal, now=now)
    post = share.post
    request = PublishRequest(text=text_with_current_link(share), link_url=short_url(share.tracked_link.code),
                             title=post.preview_title or post.title, description=post.preview_description,
                             idempotency_key=share.idempotency_key or "", language=share_language(share))
    # Refreshed tokens are committed; no transaction is held during the network call.
    if not mark_sending(share_id, worker_id=worker_id, now=now):
        log.warning("share %s: lease lost before sending; not sent", share_id)
        return "lost"
    result: PublishResult | None = None
    error = None
    try:
        result = provider.publish(account=context, request=request)
    except ProviderError as exc:
        error = exc
    except Exception as exc:  # noqa: BLE001 - the request may have left: be conservative
        log.exception("share %s: unexpected error from the %s adapter", share_id, account.provider)
        error = ProviderError(ErrorKind.UNKNOWN_OUTCOME,
                              f"Unexpected error while publishing ({exc.__class__.__name__}).")
    if result is None and error is None:
        error = ProviderError(ErrorKind.UNKNOWN_OUTCOME, "The network adapter returned no post id.")
    return record_outcome(share_id, worker_id=worker_id, result=result, error=error, now=now)


def record_outcome(share_id: int, *, worker_id: str, result: PublishResult | None = None,
                   error: ProviderError | None = None, now: datetime | None = None) -> str:
    """Write what the network said, in a fresh transaction, and commit."""
    db.session.rollback()
    begin_write()
    now = now or utcnow()
    share = db.session.get(Share, share_id, with_for_update=True, populate_existing=True)
    if share is None:  # deleted meanwhile (its organization or member was removed)
        db.session.rollback()
        return "lost"
    ours = share.status == ShareStatus.PUBLISHING and share.lease_owner == worker_id
    if result is not None and share.status in (ShareStatus.PUBLISHING, ShareStatus.UNCONFIRMED, ShareStatus.SCHEDULED):
        outcome = _published(share, result, now)  # it went out, whoever held the lease meanwhile
    elif not ours:
        log.warning("share %s: lease lost before recording %s; left as %s", share_id, error or result, share.status)
        db.session.rollback()
        return "lost"
    else:
        outcome = _apply_error(share, error or ProviderError(ErrorKind.UNKNOWN_OUTCOME, "No outcome was recorded."),
                               now)
    share.lease_owner = share.lease_expires_at = None
    db.session.commit()
    return outcome


def _published(share: Share, result: PublishResult, now: datetime) -> str:
    share.status = ShareStatus.PUBLISHED
    share.external_id = (result.external_id or "")[:255] or None
    share.external_url = (result.url or "")[:2048] or None
    share.published_at = now
    share.error = share.error_kind = share.next_attempt_at = None
    award_published(share)  # points only now that the network confirmed it
    return "published"


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
            return _fail(share, f"Gave up after {share.attempts} attempts: {share.error}", kind)
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
        return _fail(share, CONFIG_MESSAGE, kind)
    if kind is ErrorKind.REJECTED:
        return _fail(share, f"The network refused the post: {error.message}", kind)
    share.status = ShareStatus.UNCONFIRMED  # UNKNOWN_OUTCOME: a person decides; never re-posted by itself
    share.next_attempt_at = None
    return "unconfirmed"


# --- the worker's loop: claim, publish one ---------------------------------------------------------


def recover_leases(*, now: datetime | None = None) -> int:
    """Shares whose worker vanished: back to the queue, or unconfirmed (services/publishing/leases.py); commits."""
    return recover_expired_leases(now=now)


def claim_next(*, worker_id: str, limit: int, busy_accounts: Collection[int] = (),
               now: datetime | None = None) -> dict[int, int | None]:
    """Claim up to `limit` due shares for `worker_id`, at most one per account and none of the accounts
    it has in flight (so an account's shares go out one after another, and a 429 holds back the rest);
    commits. Returns {share id: account id}."""
    return claim_next_shares(worker_id=worker_id, limit=limit, busy_accounts=busy_accounts, now=now)


def publish_one(share_id: int, *, worker_id: str, stop: StopFlag | None) -> str:
    """Publish one claimed share; its outcome, or "error" when publishing crashed (its lease is recovered)."""
    try:
        return publish_claimed(share_id, worker_id=worker_id, stop=stop)
    except Exception:  # noqa: BLE001 - one share's trouble must not stop the others
        log.exception("share %s: publishing crashed; its lease will be recovered", share_id)
        db.session.rollback()
        return "error"
