"""Analytics for managers: one team's shares, counted clicks, engagement, potential reach, earned media value,
networks, campaigns, top ambassadors and days — the same figures and rules as a campaign's page
(services/analytics/content_stats.py), for what the team's active members did (trends.py: the by-team rule, as
in the overview's "By team"), over the overview's periods.
"""
from __future__ import annotations

from ...models import Team
from . import trends
from .content_stats import ContentStats, subject_stats
from .periods import Window
from .trends import Scope


def team_scope(team: Team) -> Scope:
    return Scope(org_id=team.org_id, team_id=team.id)


def team_stats(*, team: Team, window: Window, network_labels: dict[str, str]) -> ContentStats:
    scope = team_scope(team)
    stats = subject_stats(scope=scope, window=window, network_labels=network_labels)
    stats.campaigns = trends.by_campaign(scope=scope, window=window)
    return stats
