"""HTML blueprints, one module per area."""
from . import (
    accounts,
    auth,
    community,
    content,
    feed,
    followups,
    health,
    join,
    leaderboard,
    links,
    members,
    nps_insights,
    org,
    promoters,
    rewards,
    scheduled,
    survey_public,
    surveys,
)

BLUEPRINTS = [
    health.bp, auth.bp, org.bp, members.bp, join.bp,  # organizations and people
    content.bp, feed.bp, links.bp, leaderboard.bp,  # publish, share, track, rank
    scheduled.bp, accounts.bp,  # sharing through linked accounts
    surveys.bp, survey_public.bp, nps_insights.bp, followups.bp, promoters.bp,  # NPS
    community.bp, rewards.bp,  # keeping ambassadors engaged
]
