"""What is live for an ambassador: the posts they may see and share right now, and the rules a share
through the member's linked accounts must meet (publishing.share_through_accounts applies them).

One rule decides both the feed and whether a share is allowed, so a post that is no
longer live (expired, archived, another team, internal-only…) can never be shared.
"""
from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager, selectinload

from ...errors import ServiceError
from ...extensions import db
from ...models import (
    Audience,
    Campaign,
    CampaignStatus,
    MemberKind,
    Membership,
    Post,
    PostStatus,
    Role,
    Share,
    utcnow,
)
from ...models.content import campaign_team, post_team
from ...models.organization import membership_team
from . import share_state, sharing


def targets_member(link_table: sa.Table, owner_column: str, owner_id, membership_id: int):
    """Nobody targeted (everyone), or one of the member's teams targeted: one EXISTS each."""
    owner = getattr(link_table.c, owner_column)
    anyone = sa.select(sa.literal(1)).where(owner == owner_id)
    mine = (sa.select(sa.literal(1))
            .select_from(link_table.join(membership_team, membership_team.c.team_id == link_table.c.team_id))
            .where(owner == owner_id, membership_team.c.membership_id == membership_id))
    return sa.or_(~anyone.exists(), mine.exists())


def live_in_org(*, org_id, now: datetime | sa.BindParameter | None = None) -> list[sa.ColumnElement[bool]]:
    """The conditions (Post joined to its Campaign) of a post live for someone in the organization:
    published, in its window, in an active campaign in its window; the feed adds audience and teams."""
    now = now if now is not None else utcnow()
    return [
        Post.org_id == org_id,
        Campaign.org_id == org_id,
        Post.status == PostStatus.APPROVED,
        Post.published_at.is_not(None),
        sa.or_(Post.visible_from.is_(None), Post.visible_from <= now),
        sa.or_(Post.expires_at.is_(None), Post.expires_at > now),
        Campaign.status == CampaignStatus.ACTIVE,
        sa.or_(Campaign.starts_at.is_(None), Campaign.starts_at <= now),
        sa.or_(Campaign.ends_at.is_(None), Campaign.ends_at > now),
    ]


def _live_conditions(*, org_id, membership_id, internal,
                     now: datetime | sa.BindParameter) -> list[sa.ColumnElement[bool]]:
    """The feed's one rule for "live for this member" (Post and Campaign joined). The member is given by
    values (one member) or by columns of a joined Membership (many at once: `live_share_ids`);
    `internal` is a bool or a SQL condition."""
    conditions = [
        *live_in_org(org_id=org_id, now=now),
        targets_member(post_team, "post_id", Post.id, membership_id),
        targets_member(campaign_team, "campaign_id", Campaign.id, membership_id),
    ]
    if isinstance(internal, bool):
        if not internal:
            conditions.append(Post.audience == Audience.EVERYONE)
    else:
        conditions.append(sa.or_(internal, Post.audience == Audience.EVERYONE))
    return conditions


def _live_where(query: sa.Select, *, membership: Membership, now: datetime | None,
                campaign_id: int | None) -> sa.Select:
    """Join the campaign and keep only what is live for the member."""
    conditions = _live_conditions(org_id=membership.org_id, membership_id=membership.id,
                                  internal=membership.kind == MemberKind.INTERNAL, now=now or utcnow())
    if campaign_id is not None:
        conditions.append(Post.campaign_id == campaign_id)
    return query.join(Campaign, Post.campaign_id == Campaign.id).where(*conditions)


def share_is_live(now: datetime | sa.BindParameter | None = None) -> sa.Exists:
    """EXISTS, for a Share row of the enclosing query: its post is live for its member right now (the rule
    of `live_post`, so a batch of shares is checked within the statement that loads them)."""
    member = sa.orm.aliased(Membership)
    conditions = _live_conditions(org_id=member.org_id, membership_id=member.id,
                                  internal=member.kind == MemberKind.INTERNAL,
                                  now=now if now is not None else utcnow())
    return (sa.select(sa.literal(1)).select_from(Post).join(Campaign, Post.campaign_id == Campaign.id)
            .join(member, member.id == Share.membership_id)
            .where(Post.id == Share.post_id, *conditions).exists())


def live_share_ids(share_ids: Collection[int], *, now: datetime | None = None) -> set[int]:
    """Which of these shares' posts are live for their member right now."""
    return set(db.session.scalars(sa.select(Share.id).where(Share.id.in_(sorted(share_ids)), share_is_live(now))))


def live_posts(*, membership: Membership, now: datetime | None = None, campaign_id: int | None = None,
               order: str = "newest") -> sa.Select:
    """SELECT of the posts live for `membership`, campaign joined and eager-loaded: newest first, or with
    order "unshared" the posts the member has not shared (nor planned) yet first, newest first within each."""
    query = _live_where(sa.select(Post), membership=membership, now=now, campaign_id=campaign_id)
    query = query.options(contains_eager(Post.campaign), selectinload(Post.captions), selectinload(Post.translations))
    if order == "unshared":
        query = query.order_by(share_state.not_shared_yet_first(membership=membership))
    return query.order_by(Post.published_at.desc(), Post.id.desc())


FEED_ORDERS = ("newest", "unshared")


def feed_page(*, membership: Membership, page: int, per_page: int, campaign_id: int | None = None,
              order: str = "newest"):
    """One page of the feed (a Flask-SQLAlchemy Pagination of posts)."""
    if order not in FEED_ORDERS:
        raise ValueError(f"unknown feed order {order!r}")
    query = live_posts(membership=membership, campaign_id=campaign_id, order=order)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def live_post(*, membership: Membership, post_id: int) -> Post | None:
    """The post if it is live for this member right now, else None (the caller answers 404)."""
    return db.session.scalar(live_posts(membership=membership).where(Post.id == post_id))


def viewable_post(*, membership: Membership, post_id: int) -> Post | None:
    """The post (and so its image) if the member may see it, else None (the caller answers 404).

    Curators, managers and admins see every post of their organization (they edit them);
    everyone else exactly what is live for them: the feed's one rule (status, window,
    audience, teams), never a second one.
    """
    if membership.has_role(Role.CURATOR):
        return db.session.scalar(sa.select(Post).where(Post.id == post_id, Post.org_id == membership.org_id))
    return live_post(membership=membership, post_id=post_id)


def feed_campaigns(*, membership: Membership) -> list[Campaign]:
    """Campaigns that have at least one post live for the member (for the feed's filter)."""
    live_ids = _live_where(sa.select(Post.campaign_id), membership=membership, now=None, campaign_id=None)
    return list(db.session.scalars(
        sa.select(Campaign).where(Campaign.org_id == membership.org_id, Campaign.id.in_(live_ids))
        .order_by(Campaign.title)))


# Sharing through the member's linked accounts ----------------------------------------------------

SHARE_MODES = ("now", "schedule", "queue")


class AccountShareError(ServiceError):
    """Nothing was shared: messages for the person, keyed by what they belong to.

    Keys: "accounts", "when", "caption_<network>", "account_<id>".
    """

    code = "account_share"


def post_deadline(post: Post) -> datetime | None:
    """The moment the post stops being live (its own expiry or its campaign's end), if any."""
    ends = [t for t in (post.expires_at, post.campaign.ends_at) if t is not None]
    return min(ends) if ends else None


def check_publish_time(*, post: Post, at: datetime | None, now: datetime | None = None) -> str | None:
    """Why a share of `post` cannot be planned at `at` (naive UTC), or None when it can."""
    now = now or utcnow()
    if at is None:
        return _l("Choose a date and time.")
    if at <= now:
        return _l("Choose a time in the future.")
    deadline = post_deadline(post)
    if deadline is not None and at >= deadline:
        return _l("This post is only live until then: choose an earlier time.")
    return None


def check_caption(*, post: Post, network: str, caption: str, disclosure: str, url: str | None = None) -> str | None:
    """Why the caption does not fit the network once hashtags, disclosure and link are added, or None.

    Every short link has the same length, so without `url` a placeholder measures exactly.
    """
    problem = sharing.compose(network=network, caption=caption, hashtags=post.hashtags, disclosure=disclosure,
                              url=url or None).problem
    return None if problem is None else str(problem)
