"""Badges: milestones awarded automatically, once per member (a unique (membership, badge) row).

`evaluate(membership)` awards what one member has reached (called when they open their rewards
page); `evaluate_all()` does it for every active member (a periodic job). Both only add rows, so
running them again, or twice at the same time, awards nothing twice.

What counts:
* shares: shares that left the platform (models/sharing.py COUNTED_SHARE_STATUSES);
* clicks: counted clicks on the member's links (bots and repeats never became Click rows);
* streak: shared in each of 4 consecutive ISO weeks (Monday–Sunday, in the organization's time
  zone); consecutive weeks are compared by their Mondays, so W52/W53 → W01 counts as a row;
* ideas: ideas posted on the community idea board (when that module is installed);
* surveys: NPS surveys the member answered; rewards: redemptions handed over.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ... import models
from ...extensions import db
from ...models import (
    Click,
    Membership,
    MemberStatus,
    Organization,
    RedemptionStatus,
    Share,
    SurveyResponse,
    TrackedLink,
)
from ...models.rewards import BadgeAward, Redemption
from ...models.sharing import COUNTED_SHARE_STATUSES, share_moment
from .points import local_day

BATCH = 500


@dataclass(frozen=True)
class Badge:
    key: str
    metric: str  # which count reaches the goal (see _progress)
    goal: int
    icon: str
    label: object  # lazy strings
    description: object


BADGES: tuple[Badge, ...] = (
    Badge("first_share", "shares", 1, "★", _l("First share"), _l("Shared a post for the first time.")),
    Badge("ten_shares", "shares", 10, "✦", _l("10 shares"), _l("Shared 10 posts.")),
    Badge("hundred_clicks", "clicks", 100, "➚", _l("100 clicks"), _l("Your links brought 100 counted clicks.")),
    Badge("streak_4_weeks", "streak", 4, "⚑", _l("4-week streak"), _l("Shared something in 4 weeks in a row.")),
    Badge("first_idea", "ideas", 1, "✎", _l("First idea"), _l("Posted an idea on the idea board.")),
    Badge("first_survey", "surveys", 1, "✔", _l("Survey answered"), _l("Answered a survey.")),
    Badge("first_reward", "rewards", 1, "♦", _l("First reward"), _l("Received a first reward.")),
)
BY_KEY = {badge.key: badge for badge in BADGES}


@dataclass(frozen=True)
class BadgeState:
    badge: Badge
    value: int  # progress towards badge.goal
    awarded_at: object | None  # datetime when earned

    @property
    def earned(self) -> bool:
        return self.awarded_at is not None


def longest_weekly_streak(days: Iterable[date]) -> int:
    """The longest run of consecutive ISO weeks containing at least one of `days`."""
    mondays = sorted({day - timedelta(days=day.weekday()) for day in days})
    best = run = 0
    previous = None
    for monday in mondays:
        run = run + 1 if previous is not None and monday - previous == timedelta(weeks=1) else 1
        best = max(best, run)
        previous = monday
    return best


def _idea_author_column():
    """The community idea board's author column, or None while that module is not installed."""
    idea = getattr(models, "Idea", None)
    if idea is None:
        return None
    return getattr(idea, "author_id", None) or getattr(idea, "membership_id", None)


def _counts(query, ids) -> dict[int, int]:
    return dict(db.session.execute(query).tuples().all()) if ids else {}


def _progress(org: Organization, ids: list[int], *, streak_for: set[int]) -> dict[int, dict[str, int]]:
    """Every metric for the members `ids` of `org` (the share streak only for `streak_for`)."""
    shares = _counts(sa.select(Share.membership_id, sa.func.count(Share.id))
                     .where(Share.org_id == org.id, Share.membership_id.in_(ids),
                            Share.status.in_(COUNTED_SHARE_STATUSES)).group_by(Share.membership_id), ids)
    clicks = _counts(sa.select(TrackedLink.membership_id, sa.func.count(Click.id))
                     .join(TrackedLink, TrackedLink.id == Click.tracked_link_id)
                     .where(Click.org_id == org.id, TrackedLink.org_id == org.id, TrackedLink.membership_id.in_(ids))
                     .group_by(TrackedLink.membership_id), ids)
    surveys = _counts(sa.select(SurveyResponse.membership_id, sa.func.count(SurveyResponse.id))
                      .where(SurveyResponse.org_id == org.id, SurveyResponse.membership_id.in_(ids))
                      .group_by(SurveyResponse.membership_id), ids)
    rewards = _counts(sa.select(Redemption.membership_id, sa.func.count(Redemption.id))
                      .where(Redemption.org_id == org.id, Redemption.membership_id.in_(ids),
                             Redemption.status == RedemptionStatus.FULFILLED).group_by(Redemption.membership_id), ids)
    author = _idea_author_column()
    ideas = {} if author is None else _counts(
        sa.select(author, sa.func.count()).where(author.class_.org_id == org.id, author.in_(ids)).group_by(author), ids)
    share_days: dict[int, set[date]] = defaultdict(set)
    wanted = [i for i in ids if i in streak_for and shares.get(i)]
    if wanted:
        for member_id, moment in db.session.execute(
                sa.select(Share.membership_id, share_moment()).distinct()
                .where(Share.org_id == org.id, Share.membership_id.in_(wanted),
                       Share.status.in_(COUNTED_SHARE_STATUSES))):
            share_days[member_id].add(local_day(org, moment))
    return {i: {"shares": shares.get(i, 0), "clicks": clicks.get(i, 0), "surveys": surveys.get(i, 0),
                "rewards": rewards.get(i, 0), "ideas": ideas.get(i, 0),
                "streak": longest_weekly_streak(share_days.get(i, ()))} for i in ids}


def _awarded(ids: list[int]) -> dict[int, dict[str, object]]:
    held: dict[int, dict[str, object]] = defaultdict(dict)
    if ids:
        for member_id, key, at in db.session.execute(
                sa.select(BadgeAward.membership_id, BadgeAward.badge, BadgeAward.awarded_at)
                .where(BadgeAward.membership_id.in_(ids))):
            held[member_id][key] = at
    return held


def _award(org_id: int, membership_id: int, key: str) -> BadgeAward | None:
    """Add one award; None when it exists already (also when another process just added it)."""
    award = BadgeAward(org_id=org_id, membership_id=membership_id, badge=key)
    try:
        with db.session.begin_nested():
            db.session.add(award)
    except IntegrityError:
        return None
    return award


def _evaluate(org: Organization, ids: list[int]) -> list[BadgeAward]:
    held = _awarded(ids)
    streak_badge = BY_KEY["streak_4_weeks"].key
    progress = _progress(org, ids, streak_for={i for i in ids if streak_badge not in held[i]})
    new = []
    for member_id in ids:
        for badge in BADGES:
            if badge.key not in held[member_id] and progress[member_id][badge.metric] >= badge.goal:
                if (award := _award(org.id, member_id, badge.key)) is not None:
                    new.append(award)
    return new


def evaluate(membership: Membership) -> list[BadgeAward]:
    """Award the badges `membership` has reached and not yet received; returns the new ones. Flushes."""
    return _evaluate(db.session.get_one(Organization, membership.org_id), [membership.id])


def evaluate_all(org_id: int | None = None) -> int:
    """Award every active member's reached badges (one organization, or all); returns how many."""
    query = sa.select(Organization)
    if org_id is not None:
        query = query.where(Organization.id == org_id)
    total = 0
    for org in db.session.scalars(query.order_by(Organization.id)).all():
        ids = list(db.session.scalars(sa.select(Membership.id).where(
            Membership.org_id == org.id, Membership.status == MemberStatus.ACTIVE).order_by(Membership.id)))
        for start in range(0, len(ids), BATCH):
            total += len(_evaluate(org, ids[start:start + BATCH]))
    return total


def states(membership: Membership) -> list[BadgeState]:
    """Every badge with the member's progress and, when earned, when."""
    org = db.session.get_one(Organization, membership.org_id)
    held = _awarded([membership.id])[membership.id]
    progress = _progress(org, [membership.id], streak_for={membership.id})[membership.id]
    return [BadgeState(badge=b, value=min(progress[b.metric], b.goal), awarded_at=held.get(b.key)) for b in BADGES]


def badges_of(*, org_id: int, membership_ids: Iterable[int]) -> dict[int, list[Badge]]:
    """The badges each member holds (in catalogue order), for lists such as the leaderboard."""
    ids = list(set(membership_ids))
    held: dict[int, set[str]] = defaultdict(set)
    if ids:
        for member_id, key in db.session.execute(sa.select(BadgeAward.membership_id, BadgeAward.badge).where(
                BadgeAward.org_id == org_id, BadgeAward.membership_id.in_(ids))):
            held[member_id].add(key)
    return {i: [b for b in BADGES if b.key in held[i]] for i in ids}
