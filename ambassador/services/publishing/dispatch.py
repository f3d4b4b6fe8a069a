"""The worker's side of publishing: claim due API shares, publish each at most once, record the outcome.

DESIGN.md §5. The claim is committed before the network is called, and a share is marked *sending*
(committed) right before its own call, so a worker that dies leaves only the shares it was sending
"unconfirmed"; the rest of its lease goes back to the queue (services/publishing/leases.py: claiming,
marking, lease recovery).

Three steps, so that the database work is done for many shares at once and the network calls need no
database at all (jobs/publisher.py runs them: the claiming thread prepares and records, the pool's
threads only call the networks):
- `prepare`: the claimed shares loaded in one statement (account, member, post, link, whether the post
  is still live for the member, an app-wide rate limit), the checks and the credentials of each, then the
  ones to send marked *sending* in one statement; what settles without a call (released, failed, blocked…) is done;
- `send`: one network call, no database (any thread);
- `outcomes.record_outcomes`: what the networks said, many shares per transaction.

These functions commit: they run as the outermost unit of work of the worker's job.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...infra import crypto, database
from ...infra.database import begin_write
from ...models import (
    AccountStatus,
    Membership,
    MemberStatus,
    Organization,
    Share,
    ShareStatus,
    SocialAccount,
    User,
    utcnow,
)
from ...providers import registry
from ...providers.base import AccountContext, ErrorKind, ProviderError, PublishRequest, PublishResult, SocialProvider
from . import feed, languages, rate_limits, social_accounts
from .leases import claim_next_shares, mark_sending, recover_expired_leases, release
from .outcomes import (  # noqa: F401 - the names callers know dispatch by
    CONFIG_MESSAGE,
    MIN_RATE_LIMIT_WAIT,
    Sent,
    add_queued_standings,
    backoff_delay,
    fail,
    record_outcome,
    record_outcomes,
)
from .settled_shares import announce_share
from .sharing import link_title, share_language, short_url, text_with_current_link

log = logging.getLogger(__name__)


class StopFlag(Protocol):
    """Set when the worker is asked to stop (jobs/tasks.py's shutdown_requested)."""

    def is_set(self) -> bool: ...


@dataclass(frozen=True)
class Outbound:
    """A share marked sending, with all its network call needs: no database object, so any thread may send it."""
    share_id: int
    account_id: int
    provider: SocialProvider
    account: AccountContext
    request: PublishRequest


# --- preparing claimed shares -------------------------------------------------------------------


@functools.cache
def _load_statement(dialect: str) -> sa.Select:
    """Built once (its cache key too): the worker runs it for every batch. On PostgreSQL the ids are one array
    (= ANY): one SQL text whatever the batch's size, which the server prepares once."""
    ids = (Share.id == sa.any_(sa.bindparam("ids", type_=postgresql.ARRAY(sa.Integer()))) if dialect == "postgresql"
           else Share.id.in_(sa.bindparam("ids", expanding=True)))
    return (sa.select(Share, feed.share_is_live(sa.bindparam("now", type_=sa.DateTime())),
                      rate_limits.app_limit_until())
            .where(ids).order_by(Share.id)
            .options(joinedload(Share.account), joinedload(Share.post), joinedload(Share.tracked_link),
                     # Of the member's user and organization only what a share's language reads (sharing.py
                     # share_language): 2 columns of 10 and 2 of 27, of every share of every batch.
                     joinedload(Share.membership).options(
                         joinedload(Membership.user).load_only(User.locale),
                         joinedload(Membership.organization).load_only(Organization.default_locale)))
            .execution_options(populate_existing=True))


def _load(share_ids: Sequence[int], now: datetime) -> list[tuple[Share, bool, datetime | None]]:
    """The shares with what publishing reads of them, in one statement (each lazy load would be a round trip):
    [(share, whether its post is live for its member, the app-wide rate limit over its account)]."""
    database.generic_plans()
    return [tuple(row) for row in db.session.execute(
        _load_statement(db.session.get_bind().dialect.name), {"ids": sorted(share_ids), "now": now}).unique()]


def _check(share: Share, *, worker_id: str, now: datetime, stop: StopFlag | None, live: bool,
           app_until: datetime | None) -> tuple[str, dict] | str | None:
    """None when the share may be sent; else its outcome: ("released", release's values) when it goes back
    to the queue unsent, "failed: <reason>", or "lost" (not ours any more)."""
    account = share.account
    if share.status != ShareStatus.PUBLISHING or share.lease_owner != worker_id:
        log.warning("share %s: not ours any more, skipped", share.id)
        return "lost"
    if stop is not None and stop.is_set() or share.lease_expires_at is None or share.lease_expires_at <= now:
        return "released", {"at": now}  # nothing was sent: give it back
    if (share.membership.status != MemberStatus.ACTIVE or account is None
            or account.status == AccountStatus.DISCONNECTED):
        return "failed: The member or the account is no longer active."
    if not live:
        return "failed: The post was withdrawn or its window ended before it went out."
    if account.status != AccountStatus.ACTIVE:
        return "blocked", {"at": now, "error_kind": ErrorKind.REAUTH.value, "error": "The account needs reconnecting."}
    if (until := rate_limits.limited_until_with(account, now, app_until=app_until)) is not None:
        return "rate_limited", {"at": until}
    return None


def _credentials(share: Share, account: SocialAccount, *, now: datetime,
                 adapters: dict[str, SocialProvider]) -> tuple[SocialProvider, AccountContext] | ProviderError:
    """The adapter and the decrypted (refreshed when they expire soon) credentials, or why there are none:
    whatever fails here, surely nothing was posted."""
    if account.token_expires_at is not None and account.token_expires_at - social_accounts.REFRESH_MARGIN <= now:
        begin_write()  # the refresh will write the new tokens
    try:
        if account.provider not in adapters:
            adapters[account.provider] = registry.get(account.provider)
        return adapters[account.provider], social_accounts.access_context(account, now=now)
    except (KeyError, crypto.SecretError) as exc:
        return ProviderError(ErrorKind.CONFIG, f"{account.provider}: {exc!r}")
    except ProviderError as exc:
        # Refreshing the token failed: nothing was posted, whatever the kind says about the refresh.
        if exc.kind is ErrorKind.REAUTH:
            db.session.commit()  # refresh_now marked the account and emailed its owner
        return (exc if exc.kind in (ErrorKind.REAUTH, ErrorKind.RATE_LIMITED, ErrorKind.CONFIG)
                else ProviderError(ErrorKind.RETRY, exc.message, retry_at=exc.retry_at))
    except Exception as exc:  # noqa: BLE001 - before publishing: surely nothing was posted
        log.exception("share %s: could not get credentials for account %s", share.id, account.id)
        return ProviderError(ErrorKind.RETRY, f"Could not get credentials ({exc.__class__.__name__}).")


def _request(share: Share, words: languages.PostWords) -> PublishRequest:
    post = share.post
    return PublishRequest(text=text_with_current_link(share), link_url=short_url(share.tracked_link.code),
                          title=link_title(post, share.membership, words), description=post.preview_description,
                          idempotency_key=share.idempotency_key or "", language=share_language(share, words))


def prepare(share_ids: Sequence[int], *, worker_id: str, now: datetime | None = None,
            stop: StopFlag | None = None, marked: bool = True) -> tuple[list[Outbound], dict[int, str]]:
    """Get claimed shares ready to send: ([the ones marked sending], {share id: outcome of the others}).

    The others are settled here without a call: given back to the queue (stopping, lease ran out, the
    account needs reconnecting or waits out a rate limit), failed (member or account gone, post no
    longer live), or refused before sending (no credentials) and recorded as such. Commits.
    With `marked=False` the ready ones are not marked sending yet: `mark` does it right before their
    calls, and `hand_back` returns those that will not be sent.
    """
    now = now or utcnow()
    loaded = _load(share_ids, now)
    outcomes: dict[int, str] = {share_id: "lost" for share_id in set(share_ids) - {s.id for s, *_ in loaded}}
    adapters: dict[str, SocialProvider] = {}
    ready: dict[int, Outbound] = {}
    refused: list[Sent] = []
    settle: list[tuple[int, tuple[str, dict] | str]] = []
    # The posts' words per language (each share's language and link title): one statement for the batch.
    words = languages.words_of({share.post_id: share.post for share, *_ in loaded}.values())
    for share, live, app_until in loaded:
        verdict = _check(share, worker_id=worker_id, now=now, stop=stop, live=live, app_until=app_until)
        if verdict is not None:
            settle.append((share.id, verdict))
            continue
        account = share.account
        assert account is not None  # _check
        # Before _credentials, which may commit (and so expire what was loaded):
        request = _request(share, words[share.post_id])
        account_id, found = account.id, _credentials(share, account, now=now, adapters=adapters)
        if isinstance(found, ProviderError):
            refused.append(Sent(share.id, error=found))
        else:
            ready[share.id] = Outbound(share.id, account_id, found[0], found[1], request)
    for share_id, verdict in settle:
        outcomes[share_id] = _settle_unsent(share_id, verdict, worker_id=worker_id, now=now)
    if marked:
        prepared, lost = mark(list(ready.values()), worker_id=worker_id, now=now)  # commits
        outcomes.update(dict.fromkeys(lost, "lost"))
    else:
        prepared = list(ready.values())
        db.session.commit()  # what came before (refreshed tokens) is kept whatever happens next
    outcomes.update(record_outcomes(refused, worker_id=worker_id, now=now))
    return prepared, outcomes


def mark(ready: Sequence[Outbound], *, worker_id: str, now: datetime | None = None) -> tuple[list[Outbound], list[int]]:
    """Mark prepared shares sending (one statement, committed) right before their calls: (the ones still
    ours, to send now; the ids whose lease was lost meanwhile, not to send)."""
    marked = mark_sending([outbound.share_id for outbound in ready], worker_id=worker_id, now=now or utcnow())
    lost = [outbound.share_id for outbound in ready if outbound.share_id not in marked]
    for share_id in lost:
        log.warning("share %s: lease lost before sending; not sent", share_id)
    return [outbound for outbound in ready if outbound.share_id in marked], lost


def hand_back(ready: Sequence[Outbound], *, worker_id: str, now: datetime | None = None) -> dict[int, str]:
    """Give prepared shares that will not be sent (the worker stops) back to the queue; commits."""
    now = now or utcnow()
    for outbound in ready:
        release(outbound.share_id, worker_id=worker_id, at=now)
    return {outbound.share_id: "released" for outbound in ready}


def _settle_unsent(share_id: int, verdict: tuple[str, dict] | str, *, worker_id: str, now: datetime) -> str:
    if isinstance(verdict, tuple):
        outcome, values = verdict
        release(share_id, worker_id=worker_id, **values)
        return outcome
    if verdict == "lost":
        return verdict
    begin_write()  # still ours: the lease has time left, so recovery leaves it alone
    share = db.session.get_one(Share, share_id)
    outcome = fail(share, verdict.removeprefix("failed: "))
    announce_share(share)
    share.lease_owner = share.lease_expires_at = None
    db.session.commit()
    return outcome


# --- sending ------------------------------------------------------------------------------------


def send(outbound: Outbound) -> Sent:
    """The network call for one prepared share; touches no database (any thread may run it)."""
    result: PublishResult | None = None
    error = None
    try:
        result = outbound.provider.publish(account=outbound.account, request=outbound.request)
    except ProviderError as exc:
        error = exc
    except Exception as exc:  # noqa: BLE001 - the request may have left: be conservative
        log.exception("share %s: unexpected error from the %s adapter", outbound.share_id, outbound.provider.name)
        error = ProviderError(ErrorKind.UNKNOWN_OUTCOME,
                              f"Unexpected error while publishing ({exc.__class__.__name__}).")
    if result is None and error is None:
        error = ProviderError(ErrorKind.UNKNOWN_OUTCOME, "The network adapter returned no post id.")
    return Sent(outbound.share_id, result, error)


def publish_claimed(share_id: int, *, worker_id: str, now: datetime | None = None,
                    stop: StopFlag | None = None) -> str:
    """Publish one share this worker claimed, all three steps in this thread; returns the outcome."""
    ready, outcomes = prepare([share_id], worker_id=worker_id, now=now, stop=stop)
    if share_id in outcomes:
        return outcomes[share_id]
    return record_outcomes([send(ready[0])], worker_id=worker_id, now=now)[share_id]


# --- the worker's loop: claim, prepare, send, record ------------------------------------------------


def recover_leases(*, now: datetime | None = None) -> int:
    """Shares whose worker vanished: back to the queue, or unconfirmed (services/publishing/leases.py); commits."""
    return recover_expired_leases(now=now)


def claim_next(*, worker_id: str, limit: int, now: datetime | None = None) -> dict[int, int | None]:
    """Claim up to `limit` due shares for `worker_id`, at most one per account and none of an account with a
    share in flight or not recorded yet, in any worker (so an account's shares go out one after another, and a
    429 holds back the rest); commits. Returns {share id: account id}."""
    return claim_next_shares(worker_id=worker_id, limit=limit, now=now)
