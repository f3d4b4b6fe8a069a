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

# discussions, ideas and polls have no blueprint of their own: importing them adds their routes to
# community.bp (web/community.py does not import them, so they can import it without a cycle).
from . import discussions, ideas, polls  # noqa: F401

BLUEPRINTS = [
    health.bp, auth.bp, org.bp, members.bp, join.bp,  # organizations and people
    content.bp, feed.bp, links.bp, leaderboard.bp,  # publish, share, track, rank
    scheduled.bp, accounts.bp,  # sharing through linked accounts
    surveys.bp, survey_public.bp, nps_insights.bp, followups.bp, promoters.bp,  # NPS
    community.bp, rewards.bp,  # keeping ambassadors engaged
]
