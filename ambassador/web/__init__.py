"""HTML blueprints, one module per area."""
# discussions, ideas and polls have no blueprint of their own: importing them adds their routes to
# community.bp (web/community.py does not import them, so they can import it without a cycle);
# content_analytics likewise adds the post and campaign analytics pages to content.bp, team_analytics the
# team pages to leaderboard.bp, and survey_hub the sections of a survey's hub to surveys.bp.
from . import (  # noqa: F401
    accounts,
    api_tokens,
    audit,
    auth,
    challenges,
    community,
    content,
    content_analytics,
    discussions,
    event_hooks,
    feed,
    followups,
    health,
    ideas,
    join,
    leaderboard,
    links,
    member_privacy,
    members,
    notify,
    nps_insights,
    org,
    polls,
    promoters,
    pulses,
    rewards,
    scheduled,
    sso,
    survey_hub,
    survey_public,
    surveys,
    team_analytics,
)

BLUEPRINTS = [
    health.bp, auth.bp, sso.bp, org.bp, members.bp, join.bp,  # organizations and people
    content.bp, feed.bp, links.bp, leaderboard.bp,  # publish, share, track, rank
    scheduled.bp, accounts.bp,  # sharing through linked accounts
    surveys.bp, survey_public.bp, nps_insights.bp, followups.bp, promoters.bp, pulses.bp,  # NPS
    community.bp, rewards.bp, challenges.bp,  # keeping ambassadors engaged
    notify.bp,  # digests, chat webhooks
    api_tokens.bp,  # tokens for the JSON API (ambassador/api)
    event_hooks.bp,  # signed event webhooks
    audit.bp,  # who did what
]
