"""Whose figures a chart or an analytics page shows (trends.py, scope_rollups.py, engagement.py)."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ...models import Membership, MemberStatus
from ...models.organization import membership_team


@dataclass(frozen=True)
class Scope:
    """Whose figures: the organization's, narrowed to one post, one campaign, one team and/or one member."""

    org_id: int
    post_id: int | None = None
    campaign_id: int | None = None
    membership_id: int | None = None
    team_id: int | None = None


def team_members(scope: Scope):
    """The active members of the scope's team, in the scope's organization (the by-team rule: who is in the team
    now, whenever they joined it)."""
    return (sa.select(membership_team.c.membership_id)
            .join(Membership, Membership.id == membership_team.c.membership_id)
            .where(membership_team.c.team_id == scope.team_id, Membership.org_id == scope.org_id,
                   Membership.status == MemberStatus.ACTIVE))
