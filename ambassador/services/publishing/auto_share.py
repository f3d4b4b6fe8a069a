"""Auto-share opt-ins: an ambassador lets a campaign's new posts be queued through chosen accounts.

Curators offer it per campaign (Campaign.auto_share). An opt-in is one AutoShareOptIn row per
(campaign, member, account); the worker turns those rows into queued shares the member can still
edit or cancel before they go out. Here the rows are kept, and `queue_newly_live_posts` (the
auto_share_campaigns job) queues the shares.
"""
from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...errors import ServiceError
from ...extensions import db
from ...infra.database import begin_write
from ...models import (
    AccountStatus,
    AutoShareOptIn,
    Campaign,
    CampaignStatus,
    Membership,
    MemberStatus,
    Post,
    Share,
    SocialAccount,
    utcnow,
)
from ...models.content import campaign_team
from . import linked_shares, social_accounts
from .feed import live_posts, targets_member
from .sharing import ShareError

log = logging.getLogger(__name__)


class AutoShareError(ServiceError):
    """The opt-in cannot be saved; the message is meant for the member."""

    code = "auto_share"


def offered_campaigns(*, membership: Membership) -> list[Campaign]:
    """Active, not ended campaigns offering auto-share to this member (their teams, their org)."""
    now = utcnow()
    return list(db.session.scalars(
        sa.select(Campaign).where(
            Campaign.org_id == membership.org_id, Campaign.auto_share.is_(True),
            Campaign.status == CampaignStatus.ACTIVE,
            sa.or_(Campaign.ends_at.is_(None), Campaign.ends_at > now),
            targets_member(campaign_team, "campaign_id", Campaign.id, membership.id))
        .order_by(Campaign.title, Campaign.id)))


def _check(*, membership: Membership, campaign: Campaign, account: SocialAccount) -> None:
    if campaign.org_id != membership.org_id or account.org_id != membership.org_id:
        raise ValueError("campaign, account and membership belong to different organizations")
    if account.membership_id != membership.id:
        raise AutoShareError(_l("Choose one of your own accounts."))


def opt_in(*, membership: Membership, campaign: Campaign, account: SocialAccount) -> AutoShareOptIn:
    """Opt in through `account` (idempotent: an existing opt-in is returned as it is)."""
    _check(membership=membership, campaign=campaign, account=account)
    if not campaign.auto_share:
        raise AutoShareError(_l("This campaign does not offer auto-share."))
    if account.status != AccountStatus.ACTIVE:
        raise AutoShareError(_l("Reconnect %(account)s before using it for auto-share.", account=account.label))
    existing = _row(membership=membership, campaign=campaign, account=account)
    if existing is not None:
        return existing
    row = AutoShareOptIn(org_id=membership.org_id, campaign_id=campaign.id, membership_id=membership.id,
                         account_id=account.id)
    # Two tabs opting in at once: the unique constraint decides, the loser picks up the winner's row.
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except sa.exc.IntegrityError:
        winner = _row(membership=membership, campaign=campaign, account=account)
        if winner is None:  # the other row is gone again: nothing to pick up
            raise
        return winner
    return row


def opt_out(*, membership: Membership, campaign: Campaign, account: SocialAccount) -> None:
    """Stop auto-sharing the campaign through `account`; shares already queued stay (cancel them there)."""
    _check(membership=membership, campaign=campaign, account=account)
    db.session.execute(sa.delete(AutoShareOptIn).where(
        AutoShareOptIn.org_id == membership.org_id, AutoShareOptIn.campaign_id == campaign.id,
        AutoShareOptIn.membership_id == membership.id, AutoShareOptIn.account_id == account.id))
    db.session.flush()


def opted_accounts(*, membership: Membership, campaign: Campaign) -> list[SocialAccount]:
    """The member's accounts opted in to the campaign's auto-share."""
    return list(db.session.scalars(
        sa.select(SocialAccount).join(AutoShareOptIn, AutoShareOptIn.account_id == SocialAccount.id)
        .where(AutoShareOptIn.org_id == membership.org_id, AutoShareOptIn.campaign_id == campaign.id,
               AutoShareOptIn.membership_id == membership.id, SocialAccount.membership_id == membership.id)
        .order_by(SocialAccount.provider, SocialAccount.id)))


def set_accounts(*, membership: Membership, campaign: Campaign, account_ids: list[int]) -> list[SocialAccount]:
    """Make the opt-ins exactly these accounts of the member (an empty list opts out entirely)."""
    usable = {a.id: a for a in social_accounts.accounts_for(membership, usable_only=True)}
    wanted = set(account_ids)
    if wanted - set(usable):
        raise AutoShareError(_l("Choose among your connected accounts."))
    for account in opted_accounts(membership=membership, campaign=campaign):
        if account.id not in wanted:
            opt_out(membership=membership, campaign=campaign, account=account)
    for account_id in sorted(wanted):
        opt_in(membership=membership, campaign=campaign, account=usable[account_id])
    db.session.flush()
    return opted_accounts(membership=membership, campaign=campaign)


def _row(*, membership: Membership, campaign: Campaign, account: SocialAccount) -> AutoShareOptIn | None:
    return db.session.scalar(sa.select(AutoShareOptIn).where(
        AutoShareOptIn.org_id == membership.org_id, AutoShareOptIn.campaign_id == campaign.id,
        AutoShareOptIn.membership_id == membership.id, AutoShareOptIn.account_id == account.id))


def opt_ins_by_campaign(*, membership: Membership, campaign_ids: list[int]) -> dict[int, set[int]]:
    """campaign id → ids of the member's opted-in accounts, for the feed's auto-share panel."""
    if not campaign_ids:
        return {}
    rows = db.session.execute(sa.select(AutoShareOptIn.campaign_id, AutoShareOptIn.account_id).where(
        AutoShareOptIn.org_id == membership.org_id, AutoShareOptIn.membership_id == membership.id,
        AutoShareOptIn.campaign_id.in_(campaign_ids)))
    found: dict[int, set[int]] = {}
    for campaign_id, account_id in rows:
        found.setdefault(campaign_id, set()).add(account_id)
    return found


def queue_newly_live_posts(now: datetime | None = None) -> dict[str, int]:
    """Queue each campaign's newly live posts for the ambassadors who opted in, through the chosen
    account, at their next queue slot. Posts already shared (or canceled) through that account are
    left alone; the member can still edit or cancel a queued one before its slot."""
    now = now or utcnow()
    begin_write()
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
        posts = db.session.scalars(live_posts(membership=membership, campaign_id=opt_in.campaign_id, now=now)
                                   .where(newly_live, ~already.exists()))
        for post in reversed(list(posts)):  # oldest first into the queue
            try:
                with db.session.begin_nested():
                    linked_shares.create_api_share(membership=membership, post=post, account=account, caption=None,
                                                at=linked_shares.next_queue_slot(membership=membership, now=now),
                                                auto=True)
                counts["queued"] += 1
            except ShareError as exc:
                counts["skipped"] += 1
                log.info("auto-share of post %s through account %s skipped: %s", post.id, account.id, exc)
    return counts
