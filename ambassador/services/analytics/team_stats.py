"""Analytics for managers: one team's shares, counted clicks, engagement, potential reach, earned media value,
networks, campaigns, top ambassadors and days — the same figures and rules as a campaign's page
(services/analytics/content_stats.py), for what the team's active members did (trends.py: the by-team rule, as
in the overview's "By team"), over the overview's periods.

Read from the rollups: the days, networks and campaigns from the team totals (scope_rollups.py), and the top
ambassadors from the team's standings when the worker keeps the window (the members ranked by counted clicks,
then shares, then name, as content_stats.ambassadors_query ranks them; the engagement and potential reach of the
ten listed read from their shares). A window the worker does not keep (a custom range) reads the raw rows.
"""
from __future__ import annotations

import sqlalchemy as sa

from ...extensions import db
from ...models import NO_ID, NO_NETWORK, Membership, Standing, Team
from . import engagement, standings, trends
from .content_stats import TOP_AMBASSADORS, AmbassadorStat, ContentStats, named, subject_stats
from .content_stats import top_ambassadors as raw_top_ambassadors
from .periods import Window
from .trends import Scope


def team_scope(team: Team) -> Scope:
    return Scope(org_id=team.org_id, team_id=team.id)


def top_ambassadors(*, scope: Scope, window: Window, limit: int = TOP_AMBASSADORS) -> list[AmbassadorStat]:
    """The team's members with counted shares or clicks in the window, best first (content_stats' order)."""
    key = standings.key_for(db.session.connection(), org_id=scope.org_id, first=window.first_day,
                            last=window.last_day)
    if key is None or scope.team_id is None:
        return raw_top_ambassadors(scope=scope, window=window, limit=limit)
    ranked = list(db.session.execute(
        sa.select(Standing.membership_id, Standing.clicks)
        .where(Standing.org_id == scope.org_id, Standing.window == key, Standing.campaign_id == NO_ID,
               Standing.network == NO_NETWORK, Standing.team_id == scope.team_id,
               sa.or_(Standing.shares > 0, Standing.clicks > 0))
        .order_by(Standing.clicks.desc(), Standing.shares.desc(), Standing.sort_name, Standing.membership_id)
        .limit(limit)))
    if not ranked:
        return []
    # Their clicks from the standings; their shares, engagement and potential reach from their shares.
    ids = [mid for mid, _clicks in ranked]
    shared = engagement.by_member(scope=scope, window=window, members=ids)
    figures = (sa.select(Membership.id.label("mid"),
                         sa.case({mid: place for place, mid in enumerate(ids, start=1)}, value=Membership.id)
                         .label("place"),
                         sa.case({mid: clicks for mid, clicks in ranked}, value=Membership.id).label("clicks"),
                         *(c for c in shared.c if c.name != "membership_id"))
               .select_from(Membership).outerjoin(shared, shared.c.membership_id == Membership.id)
               .where(Membership.id.in_(ids)).subquery())
    return named(figures, org_id=scope.org_id, limit=limit)


def team_stats(*, team: Team, window: Window, network_labels: dict[str, str]) -> ContentStats:
    scope = team_scope(team)
    stats = subject_stats(scope=scope, window=window, network_labels=network_labels, ambassadors=top_ambassadors)
    stats.campaigns = trends.by_campaign(scope=scope, window=window)
    return stats
