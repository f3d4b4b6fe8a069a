"""What a challenge's goal, mode and audience are called, and a score with its unit ("12 shares")."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ...models import ChallengeGoal, ChallengeKind, ChallengeMode

GOAL_LABELS = {
    ChallengeGoal.SHARES: _l("Shares"),
    ChallengeGoal.CLICKS: _l("Counted clicks"),
    ChallengeGoal.ENGAGEMENT: _l("Engagement"),
    ChallengeGoal.POINTS: _l("Points"),
    ChallengeGoal.ANSWERS: _l("Survey answers"),
}
MODE_LABELS = {ChallengeMode.INDIVIDUAL: _l("Individual"), ChallengeMode.TEAM: _l("Team against team")}
KIND_LABELS = {
    ChallengeKind.ALL: _l("Internal and external ambassadors"),
    ChallengeKind.INTERNAL: _l("Internal ambassadors (employees)"),
    ChallengeKind.EXTERNAL: _l("External ambassadors (customers, partners, fans)"),
}
# What counts, shown with the rules on the challenge page.
GOAL_RULES = {
    ChallengeGoal.SHARES: _l("Each share that went out (published through a linked account, or confirmed as "
                             "shared) counts once, on the day it went out."),
    ChallengeGoal.CLICKS: _l("Clicks on your tracked links count when a person clicks: bots and link previews "
                             "never count, one click per visitor per link per hour, and at most "
                             "%(cap)d a day per visitor and link."),
    ChallengeGoal.ENGAGEMENT: _l("Likes, reposts, replies and quotes the networks report on your shares during "
                                 "the challenge count; what a network does not report counts as nothing."),
    ChallengeGoal.POINTS: _l("Points earned count as on the leaderboard (spending them does not lower your "
                             "score), within the daily caps: %(share_cap)d for shares and %(click_cap)d for "
                             "clicks."),
    ChallengeGoal.ANSWERS: _l("Each survey answer you give while signed in counts once."),
}


def score_text(goal: str, value: int) -> str:
    """A score with its unit, in the current language."""
    if goal == ChallengeGoal.SHARES:
        return ngettext("%(num)d share", "%(num)d shares", value)
    if goal == ChallengeGoal.CLICKS:
        return ngettext("%(num)d counted click", "%(num)d counted clicks", value)
    if goal == ChallengeGoal.ENGAGEMENT:
        return ngettext("%(num)d interaction", "%(num)d interactions", value)
    if goal == ChallengeGoal.POINTS:
        return ngettext("%(num)d point", "%(num)d points", value)
    return ngettext("%(num)d survey answer", "%(num)d survey answers", value)
