"""Shares pushed through a member's linked account: creating them, the member's queue, and what the
member may do with them afterwards (cancel before they go out, confirm or discard an unconfirmed one).

The worker (services/publishing/dispatch.py) publishes them. An API share is a row, never an APScheduler job:
status "scheduled" with a due time, then "publishing" while a worker holds it, then "published",
"failed", "unconfirmed" (we cannot tell whether the network got it) or "canceled".
"""
from __future__ import annotations

import secrets
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ... import networks
from ...errors import ServiceError
from ...extensions import db
from ...infra import database
from ...models import (
    AccountStatus,
    Campaign,
    CampaignStatus,
    Membership,
    Post,
    PostStatus,
    Share,
    ShareMethod,
    ShareStatus,
    SocialAccount,
    utcnow,
)
from ...providers import registry
from ...providers.base import ErrorKind
from . import feed, social_accounts, tracked_links
from .settled_shares import announce_share, announce_shares, award_published
from .sharing import ShareError, compose_share, short_url, suggested_caption

# A share in one of these states holds its (post, account) pair: a second one is refused.
ACTIVE_STATUSES = (ShareStatus.SCHEDULED, ShareStatus.PUBLISHING, ShareStatus.PUBLISHED, ShareStatus.UNCONFIRMED)
DEFAULT_QUEUE_TIMES = "08:30,12:15,17:45"
QUEUE_HORIZON_DAYS = 90  # how far ahead next_queue_slot looks for a free slot


class PublishError(ShareError):
    """An API share cannot be created or changed; the message is meant for the member."""

    code = "publish"


def naive_utc(at: datetime) -> datetime:
    """Aware datetimes are converted; naive ones are taken as UTC already."""
    return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo is not None else at


def _lock_account(account: SocialAccount) -> None:
    """Serialize share creation per account on PostgreSQL (SQLite serializes writers anyway)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(SocialAccount.id).where(SocialAccount.id == account.id).with_for_update())


def _check_account(*, membership: Membership, account: SocialAccount) -> None:
    if account.org_id != membership.org_id or account.membership_id != membership.id:
        raise PublishError(_l("Choose one of your own accounts."))
    if account.status != AccountStatus.ACTIVE:
        raise PublishError(_l("Reconnect %(account)s before sharing through it.", account=account.label))
    if account.provider not in networks.NETWORKS or account.provider not in registry.enabled():
        raise PublishError(_l("Publishing to this network is not available right now."))


def _active_share(*, post: Post, account: SocialAccount) -> Share | None:
    return db.session.scalar(sa.select(Share).where(
        Share.post_id == post.id, Share.account_id == account.id, Share.method == ShareMethod.API,
        Share.status.in_(ACTIVE_STATUSES)).limit(1))


def create_api_share(*, membership: Membership, post: Post, account: SocialAccount, caption: str | None,
                     at: datetime | None = None, auto: bool = False) -> Share:
    """Schedule `post` to go out through `account` at `at` (now when omitted).

    Raises PublishError (a ShareError, a ServiceError) with a message for the member, before writing
    anything: post not live, account not theirs or not usable, text too long for the network,
    post's window ending before `at`, or an active share of this post through this account.
    """
    if post.org_id != membership.org_id or feed.live_post(membership=membership, post_id=post.id) is None:
        raise PublishError(_l("This post can no longer be shared."))
    return _create_for_live_post(membership=membership, post=post, account=account, caption=caption, at=at, auto=auto)


def _create_for_live_post(*, membership: Membership, post: Post, account: SocialAccount, caption: str | None,
                          at: datetime | None, auto: bool = False) -> Share:
    """create_api_share for a post already known to be live for the member (checked once per request)."""
    now = utcnow()
    _check_account(membership=membership, account=account)
    at = max(naive_utc(at), now) if at is not None else now
    if post.expires_at is not None and at >= post.expires_at:
        raise PublishError(_l("This post can only be shared until %(end)s (UTC); choose an earlier time.",
                              end=post.expires_at.strftime("%Y-%m-%d %H:%M")))
    network = account.provider
    link = tracked_links.link_for(membership=membership, post=post, network=network)
    db.session.flush()
    composed = compose_share(membership=membership, post=post, network=network, caption=caption,
                             url=short_url(link.code))
    if composed.problem is not None:
        raise PublishError(composed.problem)
    text = composed.text
    _lock_account(account)
    if _active_share(post=post, account=account) is not None:
        raise PublishError(_l("This post is already scheduled or shared through %(account)s.",
                              account=account.label))
    share = Share(org_id=membership.org_id, post_id=post.id, membership_id=membership.id, tracked_link_id=link.id,
                  network=network, method=ShareMethod.API, status=ShareStatus.SCHEDULED, caption=text, created_at=now,
                  scheduled_at=at, next_attempt_at=at, idempotency_key=secrets.token_hex(16),
                  account_id=account.id, auto=auto)
    db.session.add(share)
    db.session.flush()
    return share


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_queue_times(text: str | None) -> list[time]:
    """Queue times ("08:30,12:15") sorted; invalid entries are ignored, none valid → the defaults."""
    parsed = set()
    for part in (text or "").split(","):
        try:
            parsed.add(time.fromisoformat(part.strip()).replace(second=0, microsecond=0, tzinfo=None))
        except ValueError:
            continue
    return sorted(parsed) if parsed else parse_queue_times(DEFAULT_QUEUE_TIMES)


def next_queue_slot(*, membership: Membership, now: datetime | None = None) -> datetime:
    """The next of the member's queue times (in their own time zone) not yet taken by one of their
    scheduled shares, as naive UTC."""
    now = naive_utc(now) if now is not None else utcnow()
    zone = _zone(membership.user.timezone)
    taken = {at.replace(second=0, microsecond=0) for at in db.session.scalars(sa.select(Share.scheduled_at).where(
        Share.membership_id == membership.id, Share.method == ShareMethod.API, Share.status == ShareStatus.SCHEDULED,
        Share.scheduled_at > now)) if at is not None}
    today = now.replace(tzinfo=UTC).astimezone(zone).date()
    times = parse_queue_times(membership.queue_times)
    for offset in range(QUEUE_HORIZON_DAYS):
        day = today + timedelta(days=offset)
        for local in times:
            slot = naive_utc(datetime.combine(day, local, tzinfo=zone))
            if slot > now and slot not in taken:
                return slot
    return now


def _transition(share: Share, *, allowed: tuple[str, ...], **values) -> bool:
    """Move `share` on only if it is still in an allowed state (a worker may hold it): one UPDATE."""
    changed = database.changed_rows(
        sa.update(Share).where(Share.id == share.id, Share.method == ShareMethod.API, Share.status.in_(allowed))
        .values(**values).execution_options(synchronize_session=False))
    db.session.flush()
    db.session.refresh(share)
    return changed == 1


def cancel_share(*, share: Share) -> None:
    """Cancel a scheduled share before it goes out."""
    if not _transition(share, allowed=(ShareStatus.SCHEDULED,), status=ShareStatus.CANCELED, next_attempt_at=None):
        raise PublishError(_l("Only a share that is still waiting can be canceled."))


def confirm_unconfirmed(*, share: Share, url: str | None = None) -> None:
    """The member saw it on the network: published, and points are awarded now."""
    url = (url or "").strip()
    if url and not url.startswith(("https://", "http://")):
        raise PublishError(_l("Paste the post's address, starting with https://."))
    if not _transition(share, allowed=(ShareStatus.UNCONFIRMED,), status=ShareStatus.PUBLISHED, published_at=utcnow(),
                       external_url=url[:2048] or None, error=None, lease_owner=None, lease_expires_at=None):
        raise PublishError(_l("Only a share waiting for your confirmation can be confirmed."))
    award_published([share])
    announce_share(share)


def discard_unconfirmed(*, share: Share) -> None:
    """The member says it did not go out: failed, and it is never posted again by itself."""
    if not _transition(share, allowed=(ShareStatus.UNCONFIRMED,), status=ShareStatus.FAILED, error="discarded by you",
                       lease_owner=None, lease_expires_at=None):
        raise PublishError(_l("Only a share waiting for your confirmation can be discarded."))
    announce_share(share)


# --- sharing one post through several of the member's accounts -------------------------------------


def share_through_accounts(*, membership: Membership, post: Post, account_ids: list[int], captions: dict[str, str],
                           mode: str, at: datetime | None = None, now: datetime | None = None) -> list[Share]:
    """One API share per chosen account, now, at `at` (naive UTC) or at the member's next queue slot.

    All or nothing: when any account's share is refused, none is kept and AccountShareError
    carries every message. The caller checked the post is live for the member (the feed view's
    404), so it is not checked again per account.
    """
    if post.org_id != membership.org_id:
        raise ValueError("post of another organization")
    usable = {a.id: a for a in social_accounts.accounts_for(membership, usable_only=True)}
    chosen = [usable[i] for i in dict.fromkeys(account_ids) if i in usable]
    errors: dict[str, str] = {}
    if mode not in feed.SHARE_MODES:
        raise ValueError(f"unknown share mode {mode!r}")
    if not account_ids:
        errors["accounts"] = _l("Choose at least one account.")
    elif len(chosen) != len(set(account_ids)):
        errors["accounts"] = _l("Choose among your connected accounts.")
    if mode == "schedule":
        problem = feed.check_publish_time(post=post, at=at, now=now)
        if problem:
            errors["when"] = problem
    disclosure = membership.disclosure
    for network in dict.fromkeys(a.provider for a in chosen):
        problem = feed.check_caption(post=post, network=network, caption=captions.get(network, ""),
                                     disclosure=disclosure)
        if problem:
            errors[f"caption_{network}"] = problem
    if errors:
        raise feed.AccountShareError(errors)
    if mode == "queue":
        at = next_queue_slot(membership=membership, now=now)
        deadline = feed.post_deadline(post)
        if deadline is not None and at >= deadline:
            raise feed.AccountShareError({"when": _l("Your next free queue slot is after this post stops being live: "
                                                     "share it now or schedule an earlier time.")})
    elif mode == "now":
        at = None
    return _create_all(membership=membership, post=post, accounts=chosen, captions=captions, at=at)


# Renames the feed form's error keys to share_through_account's parameters.
_ONE_ACCOUNT_FIELDS = {"accounts": "account_id", "when": "at"}


def share_through_account(*, membership: Membership, post_id: int, account_id: int, caption: str | None,
                          at: datetime | None = None, now: datetime | None = None) -> Share:
    """One share of a post live for the member through one of their accounts, now (`at` None) or at `at`: the
    feed's share_through_accounts for a single account (mode "now" or "schedule"); without a caption, the post's
    suggested one for the account's network. Refusals (post not live, account not theirs or needing reconnect,
    caption too long, time in the past or after the post's window) raise a ServiceError keyed by these
    parameters' names."""
    post = feed.live_post(membership=membership, post_id=post_id)
    if post is None:
        raise PublishError(_l("This post can no longer be shared."), field="post_id")
    account = db.session.scalar(sa.select(SocialAccount).where(
        SocialAccount.id == account_id, SocialAccount.org_id == membership.org_id,
        SocialAccount.membership_id == membership.id, SocialAccount.status != AccountStatus.DISCONNECTED))
    if account is None:
        raise PublishError(_l("Choose among your connected accounts."), field="account_id")
    try:
        _check_account(membership=membership, account=account)  # e.g. "Reconnect … before sharing through it."
    except PublishError as exc:
        raise PublishError(exc.message, field="account_id") from None
    if caption is None:
        caption = suggested_caption(post, account.provider, membership)
    try:
        [share] = share_through_accounts(membership=membership, post=post, account_ids=[account.id],
                                         captions={account.provider: caption}, mode="now" if at is None else
                                         "schedule", at=None if at is None else naive_utc(at), now=now)
    except feed.AccountShareError as exc:
        errors: dict[str, list] = {}
        for name, messages in exc.field_errors.items():
            errors.setdefault(_one_account_field(name), []).extend(messages)
        raise PublishError(field_errors=errors) from None
    return share


def _one_account_field(name: str) -> str:
    if name.startswith("caption_"):
        return "caption"
    if name.startswith("account_"):
        return "account_id"
    return _ONE_ACCOUNT_FIELDS.get(name, name)


def _create_all(*, membership: Membership, post: Post, accounts: list, captions: dict[str, str],
                at: datetime | None) -> list[Share]:
    errors: dict[str, str] = {}
    shares: list[Share] = []
    outer = db.session.begin_nested()
    for account in accounts:
        try:
            with db.session.begin_nested():
                shares.append(_create_for_live_post(membership=membership, post=post, account=account,
                                                    caption=captions.get(account.provider, ""), at=at))
        except ServiceError as exc:  # a refusal for the member; a programming error still raises
            errors[f"account_{account.id}"] = str(exc)
    if errors:
        outer.rollback()
        raise feed.AccountShareError(errors)
    outer.commit()
    return shares


# --- the expire_posts job --------------------------------------------------------------------------


def expire_waiting_shares(now: datetime | None = None) -> dict[str, int]:
    """Waiting API shares of posts that are over (window ended, withdrawn, campaign over) fail, and so
    do those of disconnected accounts. Posts themselves are kept.

    Each UPDATE returns the ids it failed (RETURNING, on SQLite and PostgreSQL), so only what this run
    failed is announced: one query reads those shares back, then one `share.failed` event each is queued
    (one query for the endpoints, whatever their number)."""
    now = now or utcnow()
    over = (sa.select(Post.id).join(Campaign, Post.campaign_id == Campaign.id).where(sa.or_(
        Post.expires_at <= now, Post.status == PostStatus.ARCHIVED, Campaign.status == CampaignStatus.ARCHIVED,
        Campaign.ends_at <= now)))
    gone = sa.select(SocialAccount.id).where(SocialAccount.status == AccountStatus.DISCONNECTED)
    waiting = sa.update(Share).where(Share.method == ShareMethod.API, Share.status == ShareStatus.SCHEDULED
                                     ).returning(Share.id).execution_options(synchronize_session=False)
    failed = dict(status=ShareStatus.FAILED, next_attempt_at=None)
    expired = {
        "reconnect": _failed_ids(waiting.where(
            Share.post_id.in_(over), Share.error_kind == ErrorKind.REAUTH.value).values(
            error="The account needed reconnecting and the post's window ended.", **failed)),
        "ended": _failed_ids(waiting.where(Share.post_id.in_(over)).values(
            error="The post's window ended before it could be published.", error_kind=None, **failed)),
        "disconnected": _failed_ids(waiting.where(
            sa.or_(Share.account_id.is_(None), Share.account_id.in_(gone))).values(
            error="The account was disconnected.", **failed)),
    }
    db.session.flush()
    _announce_expired([share_id for ids in expired.values() for share_id in ids])
    return {reason: len(ids) for reason, ids in expired.items()}


EXPIRED_BATCH = 5000  # ids per read-back query (well under SQLite's bound-parameter limit)


def _failed_ids(statement: sa.Update) -> list[int]:
    return list(db.session.scalars(statement))


def _announce_expired(share_ids: list[int]) -> None:
    """`share.failed` for each share the expiry job failed: the shares read back in one query (per 5,000),
    fresh from the database (the bulk UPDATE bypassed the session), then announced as one batch."""
    for start in range(0, len(share_ids), EXPIRED_BATCH):
        chunk = share_ids[start:start + EXPIRED_BATCH]
        shares = db.session.scalars(sa.select(Share).where(Share.id.in_(chunk)).order_by(Share.id)
                                    .execution_options(populate_existing=True)).all()
        announce_shares(shares)
