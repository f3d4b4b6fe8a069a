"""HTML blueprints, one module per area."""
from . import accounts, auth, content, feed, health, join, leaderboard, links, members, org, rewards, scheduled

BLUEPRINTS = [health.bp, auth.bp, org.bp, members.bp, join.bp, content.bp, feed.bp, links.bp, leaderboard.bp, scheduled.bp, accounts.bp, rewards.bp]
from . import nps_insights  # noqa: E402  (NPS insights: keywords, themes, key drivers)

BLUEPRINTS += [nps_insights.bp]

from . import community  # noqa: E402  (promoter community: ideas, polls, discussions)

BLUEPRINTS += [community.bp]
from . import survey_public, surveys  # noqa: E402  (NPS surveys: managers' pages, public answering pages)

BLUEPRINTS += [surveys.bp, survey_public.bp]
from . import followups, promoters  # noqa: E402  (NPS follow-ups and promoter recruitment)

BLUEPRINTS += [followups.bp, promoters.bp]
