"""What the periodic jobs do. Each runs inside an app context; the runner (jobs/worker.py) commits
after it. A job that must make each step durable on its own (a refreshed token, a claim) commits
per step itself.
"""
from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from threading import Event

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import networks
from ..extensions import db
from ..models import (AccountStatus, AutoShareOptIn, Campaign, CampaignStatus, MemberStatus, Membership, Post,
                     PostStatus, Share, ShareMethod, ShareStatus, SocialAccount, utcnow)
from ..providers import registry
from ..providers.base import ErrorKind, ProviderError
from ..services import dispatch, feed, publishing, social_accounts
from ..services.email import send_email
from ..services.urls import absolute_url
from ..services.sharing import ShareError

log = logging.getLogger(__name__)

# Set when the worker is asked to stop: claimed shares not yet sent are handed back.
shutdown_requested = Event()

REFRESH_AHEAD = timedelta(hours=1)
EXPIRY_WARNINGS_DAYS = (10, 3)  # warn once when 10 days are left, once more at 3


def dispatch_due_shares(now: datetime | None = None) -> dict[str, int]:
    """Publish the API shares that are due (see services/dispatch.py)."""
    return dispatch.dispatch_due_shares(current_app._get_current_object(), now=now, stop=shutdown_requested)


def refresh_expiring_tokens(now: datetime | None = None) -> dict[str, int]:
    """Refresh tokens that expire within the hour, each committed at once (a new refresh token
    must never be lost). REAUTH marks the account (refresh_now does it); other errors are logged
    and retried on the next run."""
    now = now or utcnow()
    accounts = list(db.session.scalars(sa.select(SocialAccount).where(
        SocialAccount.status == AccountStatus.ACTIVE, SocialAccount.refresh_token_enc.is_not(None),
        SocialAccount.token_expires_at.is_not(None), SocialAccount.token_expires_at <= now + REFRESH_AHEAD)
        .order_by(SocialAccount.token_expires_at)))
    enabled = registry.enabled()
    counts = {"refreshed": 0, "reconnect": 0, "errors": 0}
    for account in accounts:
        provider = enabled.get(account.provider)
        if provider is None or not provider.can_refresh:
            continue
        account_id = account.id
        try:
            dispatch.begin_write()
            social_accounts.refresh_now(account, now=now, unless_valid_for=REFRESH_AHEAD)
            counts["refreshed"] += 1
        except ProviderError as exc:
            if exc.kind is ErrorKind.REAUTH:
                counts["reconnect"] += 1  # marked and its owner emailed: keep that
            else:
                db.session.rollback()
                counts["errors"] += 1
                log.warning("account %s: token refresh failed (%s), will try again", account_id, exc)
                continue
        except Exception:  # noqa: BLE001 - one account's trouble must not stop the others
            db.session.rollback()
            counts["errors"] += 1
            log.exception("account %s: token refresh crashed", account_id)
            continue
        db.session.commit()
    return counts


def warn_expiring_linkedin_tokens(now: datetime | None = None) -> dict[str, int]:
    """Tokens that cannot be renewed (LinkedIn member tokens last 60 days without a refresh token):
    email the owner once at 10 days left and once at 3; an expired one needs reconnecting."""
    now = now or utcnow()
    dispatch.begin_write()
    accounts = db.session.scalars(sa.select(SocialAccount).where(
        SocialAccount.status == AccountStatus.ACTIVE, SocialAccount.refresh_token_enc.is_(None),
        SocialAccount.token_expires_at.is_not(None),
        SocialAccount.token_expires_at <= now + timedelta(days=max(EXPIRY_WARNINGS_DAYS))))
    counts = {"warned": 0, "expired": 0}
    for account in list(accounts):
        left = account.token_expires_at - now
        if left <= timedelta(0):
            social_accounts.mark_needs_reconnect(account, reason="The access token expired; this network cannot "
                                                                 "renew it without you.")
            counts["expired"] += 1
            continue
        threshold = min(days for days in EXPIRY_WARNINGS_DAYS if left <= timedelta(days=days))
        if account.expiry_warned_days is not None and account.expiry_warned_days <= threshold:
            continue
        _send_expiry_warning(account, days=math.ceil(left.total_seconds() / 86400))
        account.expiry_warned_days = threshold
        counts["warned"] += 1
    db.session.flush()
    return counts


def _send_expiry_warning(account: SocialAccount, *, days: int) -> None:
    user = account.membership.user
    label = networks.NETWORKS[account.provider].label if account.provider in networks.NETWORKS else account.provider
    send_email(to=user.email, org_id=account.org_id, locale=user.locale,
               subject=_l("Your %(network)s connection ends in %(days)d days", network=label, days=days),
               template="account_expiring", account=account, user=user, network=label, days=days,
               expires_at=account.token_expires_at, link=absolute_url("accounts.index"))


def expire_posts(now: datetime | None = None) -> dict[str, int]:
    """Waiting API shares of posts that are over (window ended, withdrawn, campaign over) fail, and so
    do those of disconnected accounts. Posts themselves are kept."""
    now = now or utcnow()
    over = (sa.select(Post.id).join(Campaign, Post.campaign_id == Campaign.id).where(sa.or_(
        Post.expires_at <= now, Post.status == PostStatus.ARCHIVED, Campaign.status == CampaignStatus.ARCHIVED,
        Campaign.ends_at <= now)))
    gone = sa.select(SocialAccount.id).where(SocialAccount.status == AccountStatus.DISCONNECTED)
    waiting = sa.update(Share).where(Share.method == ShareMethod.API,
                                     Share.status == ShareStatus.SCHEDULED).execution_options(
        synchronize_session=False)
    failed = dict(status=ShareStatus.FAILED, next_attempt_at=None)
    counts = {
        "reconnect": db.session.execute(waiting.where(Share.post_id.in_(over), Share.error_kind == "reauth").values(
            error="The account needed reconnecting and the post's window ended.", **failed)).rowcount,
        "ended": db.session.execute(waiting.where(Share.post_id.in_(over)).values(
            error="The post's window ended before it could be published.", error_kind=None, **failed)).rowcount,
        "disconnected": db.session.execute(waiting.where(sa.or_(Share.account_id.is_(None), Share.account_id.in_(gone)))
                                           .values(error="The account was disconnected.", **failed)).rowcount,
    }
    db.session.flush()
    return counts


def auto_share_campaigns(now: datetime | None = None) -> dict[str, int]:
    """Queue each campaign's newly live posts for the ambassadors who opted in, through the chosen
    account, at their next queue slot. Posts already shared (or canceled) through that account are
    left alone; the member can still edit or cancel a queued one before its slot."""
    now = now or utcnow()
    dispatch.begin_write()
    opt_ins = db.session.execute(
        sa.select(AutoShareOptIn, Membership, SocialAccount)
        .join(Campaign, AutoShareOptIn.campaign_id == Campaign.id)
        .join(Membership, AutoShareOptIn.membership_id == Membership.id)
        .join(SocialAccount, AutoShareOptIn.account_id == SocialAccount.id)
        .where(Campaign.auto_share.is_(True), Campaign.status == CampaignStatus.ACTIVE,
               Membership.status == MemberStatus.ACTIVE,
               SocialAccount.status == AccountStatus.ACTIVE, SocialAccount.membership_id == Membership.id,
               Campaign.org_id == Membership.org_id)
        .order_by(AutoShareOptIn.id)).all()
    counts = {"queued": 0, "skipped": 0}
    for opt_in, membership, account in opt_ins:
        already = sa.select(Share.id).where(Share.post_id == Post.id, Share.account_id == account.id)
        newly_live = sa.or_(Post.published_at >= opt_in.created_at, Post.visible_from >= opt_in.created_at)
        posts = db.session.scalars(feed.live_posts(membership=membership, campaign_id=opt_in.campaign_id, now=now)
                                   .where(newly_live, ~already.exists()))
        for post in reversed(list(posts)):  # oldest first into the queue
            try:
                with db.session.begin_nested():
                    publishing.create_api_share(membership=membership, post=post, account=account, caption=None,
                                                at=publishing.next_queue_slot(membership=membership, now=now),
                                                auto=True)
                counts["queued"] += 1
            except ShareError as exc:
                counts["skipped"] += 1
                log.info("auto-share of post %s through account %s skipped: %s", post.id, account.id, exc)
    return counts


def award_badges() -> dict[str, int]:
    """Award the badges members reached (services/badges.py), one organization per transaction."""
    from ..models import Organization
    from ..services import badges

    awarded = 0
    for org_id in db.session.scalars(sa.select(Organization.id).order_by(Organization.id)).all():
        dispatch.begin_write()  # commits the previous organization's awards; SQLite: write lock first
        awarded += badges.evaluate_all(org_id=org_id)
    return {"awarded": awarded}


def open_detractor_followups() -> dict[str, int]:
    """Catch-up: a follow-up for every detractor answer that has none (services/followups.py)."""
    from ..services import followups

    dispatch.begin_write()
    return {"opened": followups.open_missing()}


def purge_throttle_counters(now: datetime | None = None) -> dict[str, int]:
    """Delete login and form throttle counters that count nothing any more (services/throttle.py)."""
    from ..services import throttle

    dispatch.begin_write()
    return {"purged": throttle.purge_expired(now)}


def prune_user_sessions() -> dict[str, int]:
    """Forget sign-in sessions that ended more than a day ago (services/user_sessions.py)."""
    from ..services import user_sessions

    dispatch.begin_write()
    return {"deleted": user_sessions.prune()}
