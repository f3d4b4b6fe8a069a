"""Whose figures a chart or an analytics page shows (trends.py, scope_rollups.py, engagement.py)."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ...extensions import db
from ...models import Membership, MemberStatus, Post
from ...models.organization import membership_team


@dataclass(frozen=True)
class Scope:
    """Whose figures: the organization's, narrowed to one post, one campaign, one team and/or one member."""

    org_id: int
    post_id: int | None = None
    campaign_id: int | None = None
    membership_id: int | None = None
    team_id: int | None = None
    # A campaign's post ids, read once (campaign_scope): the share queries filter on them as values, so
    # PostgreSQL finds the campaign's shares through the post index (a subquery's rows it cannot count ahead,
    # so it read every share of the window instead).
    campaign_posts: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.campaign_id is not None and self.campaign_posts is None:
            raise ValueError("a campaign's scope carries its post ids: use scopes.campaign_scope()")


def campaign_scope(*, org_id: int, campaign_id: int) -> Scope:
    """A campaign's scope, with its post ids."""
    posts = db.session.scalars(sa.select(Post.id).where(Post.org_id == org_id, Post.campaign_id == campaign_id))
    return Scope(org_id=org_id, campaign_id=campaign_id, campaign_posts=tuple(posts))


def team_members(scope: Scope):
    """The active members of the scope's team, in the scope's organization (the by-team rule: who is in the team
    now, whenever they joined it)."""
    return (sa.select(membership_team.c.membership_id)
            .join(Membership, Membership.id == membership_team.c.membership_id)
            .where(membership_team.c.team_id == scope.team_id, Membership.org_id == scope.org_id,
                   Membership.status == MemberStatus.ACTIVE))
