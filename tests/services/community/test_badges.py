"""Badges: each milestone, the 4-week streak (ISO weeks, across year boundaries, in the organization's
time zone), awards that happen once, and the periodic job over every organization."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ambassador import models
from ambassador.models import Respondent, Survey, SurveyResponse
from ambassador.models.rewards import BadgeAward, Redemption, Reward
from ambassador.services.community import badges
from ambassador.services.community.badges import longest_weekly_streak


def keys(awards) -> list[str]:
    return sorted(a.badge for a in awards)


def held(db, member) -> list[str]:
    return sorted(db.session.scalars(sa.select(BadgeAward.badge).where(BadgeAward.membership_id == member.id)))


@pytest.fixture
def member(act):
    return act.member(act.org(timezone="Europe/Brussels"))


@pytest.fixture
def post(act, member):
    return act.post(act.campaign(member.organization))


# --- the streak arithmetic --------------------------------------------------------------------------

def test_four_consecutive_iso_weeks_make_a_streak_several_shares_a_week_count_once():
    mondays = [date(2025, 3, 3) + timedelta(weeks=n) for n in range(4)]
    days = [m + timedelta(days=d) for m in mondays for d in (0, 3, 6)]
    assert longest_weekly_streak(days) == 4
    assert longest_weekly_streak(days[:-3]) == 3
    assert longest_weekly_streak([]) == 0


def test_a_week_without_a_share_breaks_the_streak():
    weeks = [date(2025, 3, 3) + timedelta(weeks=n) for n in (0, 1, 2, 4, 5, 6)]
    assert longest_weekly_streak(weeks) == 3
    assert longest_weekly_streak(weeks + [date(2025, 3, 3) + timedelta(weeks=3, days=6)]) == 7  # the Sunday fills it


def test_sunday_and_the_next_monday_are_two_weeks():
    sunday, monday = date(2026, 1, 4), date(2026, 1, 5)
    assert (sunday.isocalendar()[1], monday.isocalendar()[1]) == (1, 2)
    assert longest_weekly_streak([sunday, monday]) == 2
    assert longest_weekly_streak([monday, monday + timedelta(days=6)]) == 1


def test_the_streak_runs_through_week_53_into_the_next_year():
    days = [date(2026, 12, 24), date(2026, 12, 31), date(2027, 1, 7), date(2027, 1, 14)]
    assert [d.isocalendar()[:2] for d in days] == [(2026, 52), (2026, 53), (2027, 1), (2027, 2)]
    assert longest_weekly_streak(days) == 4


def test_the_streak_runs_from_week_52_into_week_1_and_iso_week_1_may_start_in_december():
    days = [date(2025, 12, 15), date(2025, 12, 22), date(2025, 12, 30), date(2026, 1, 8)]
    assert [d.isocalendar()[:2] for d in days] == [(2025, 51), (2025, 52), (2026, 1), (2026, 2)]
    assert longest_weekly_streak(days) == 4
    # 2025 has no week 53: week 52 then week 2 of the next year is a gap.
    assert longest_weekly_streak([date(2025, 12, 15), date(2025, 12, 22), date(2026, 1, 8), date(2026, 1, 15)]) == 2


# --- milestones ----------------------------------------------------------------------------------

def test_first_share_and_ten_shares_count_only_shares_that_went_out(db, act, member, post):
    at = datetime(2025, 5, 6, 10)
    for status in ("scheduled", "failed", "canceled", "unconfirmed"):
        act.share(member, post, at, status=status, method="api")
    assert badges.evaluate(member) == []
    act.share(member, post, at, status="published", method="api", published_at=at)
    assert keys(badges.evaluate(member)) == ["first_share"]
    for _ in range(8):
        act.share(member, act.post(post.campaign), at)
    assert badges.evaluate(member) == []
    act.share(member, act.post(post.campaign), at)
    assert keys(badges.evaluate(member)) == ["ten_shares"]
    assert held(db, member) == ["first_share", "ten_shares"]


def test_hundred_counted_clicks(db, act, member, post):
    at = datetime(2025, 5, 6, 10)
    act.share(member, post, at)
    for n in range(99):
        act.click(member, post, at + timedelta(minutes=n))
    assert keys(badges.evaluate(member)) == ["first_share"]
    act.click(member, post, at + timedelta(hours=3))
    assert keys(badges.evaluate(member)) == ["hundred_clicks"]


def test_four_week_streak_from_real_shares(db, act, member, post):
    start = datetime(2025, 12, 16, 9)  # Tuesday of ISO week 2025-51
    for week in range(3):
        act.share(member, act.post(post.campaign), start + timedelta(weeks=week))
    assert "streak_4_weeks" not in keys(badges.evaluate(member))
    act.share(member, act.post(post.campaign), start + timedelta(weeks=3))  # 2026-W02
    assert "streak_4_weeks" in keys(badges.evaluate(member))


@pytest.mark.parametrize("zone, streak", [("UTC", True), ("Europe/Brussels", False)])
def test_weeks_are_counted_in_the_organizations_time_zone(act, zone, streak):
    """Sunday 23:30 UTC is already Monday (the next ISO week) in Brussels."""
    member = act.member(act.org(timezone=zone))
    campaign = act.campaign(member.organization)
    act.share(member, act.post(campaign), datetime(2026, 1, 4, 23, 30))  # Sunday, week 1 in UTC
    for week in range(1, 4):
        act.share(member, act.post(campaign), datetime(2026, 1, 6, 12) + timedelta(weeks=week - 1))
    assert ("streak_4_weeks" in keys(badges.evaluate(member))) is streak


def test_first_survey_answered(db, act, member):
    survey = Survey(org_id=member.org_id, title="How are we doing?", public_token="tok-badges", status="open")
    db.session.add(survey)
    db.session.flush()
    respondent = Respondent(org_id=member.org_id, email="fan@example.test")
    db.session.add(respondent)
    db.session.flush()
    db.session.add(SurveyResponse(org_id=member.org_id, survey_id=survey.id, score=10, group="promoter",
                                  respondent_id=respondent.id))
    db.session.flush()
    assert badges.evaluate(member) == []  # an anonymous answer is nobody's badge
    db.session.add(SurveyResponse(org_id=member.org_id, survey_id=survey.id, score=9, group="promoter",
                                  membership_id=member.id))
    db.session.flush()
    assert keys(badges.evaluate(member)) == ["first_survey"]


def test_first_reward_once_a_redemption_is_fulfilled(db, act, member):
    item = Reward(org_id=member.org_id, title="Tote bag", points_cost=10)
    db.session.add(item)
    db.session.flush()
    redemption = Redemption(org_id=member.org_id, reward_id=item.id, membership_id=member.id, points=10,
                            reward_title=item.title)
    db.session.add(redemption)
    db.session.flush()
    assert badges.evaluate(member) == []
    redemption.status = "fulfilled"
    db.session.flush()
    assert keys(badges.evaluate(member)) == ["first_reward"]


def test_first_idea_when_the_idea_board_is_installed(db, act, member):
    idea = getattr(models, "Idea", None)
    if idea is None:
        pytest.skip("the community idea board (models.Idea) is not installed")
    column = "author_id" if hasattr(idea, "author_id") else "membership_id"
    other = act.member(member.organization)
    db.session.add(idea(org_id=member.org_id, title="Night opening hours", **{column: other.id}))
    db.session.flush()
    assert badges.evaluate(member) == []
    db.session.add(idea(org_id=member.org_id, title="A loyalty card", **{column: member.id}))
    db.session.flush()
    assert keys(badges.evaluate(member)) == ["first_idea"]


def test_without_the_idea_board_nobody_gets_the_idea_badge_and_nothing_breaks(act, member, monkeypatch):
    monkeypatch.delattr(models, "Idea", raising=False)
    assert badges._idea_author_column() is None
    assert badges.evaluate(member) == []
    assert next(s for s in badges.states(member) if s.badge.key == "first_idea").value == 0


# --- awarded once ----------------------------------------------------------------------------------

def test_evaluating_again_awards_nothing_twice(db, act, member, post):
    act.share(member, post, datetime(2025, 5, 6, 10))
    assert keys(badges.evaluate(member)) == ["first_share"]
    assert badges.evaluate(member) == []
    assert badges.evaluate_all() == 0
    assert held(db, member) == ["first_share"]


def test_the_database_refuses_a_second_award_of_the_same_badge(db, member):
    db.session.add(BadgeAward(org_id=member.org_id, membership_id=member.id, badge="first_share"))
    db.session.flush()
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(BadgeAward(org_id=member.org_id, membership_id=member.id, badge="first_share"))
    # What a second process racing for the same award sees: nothing new, and the session still works.
    assert badges._award(member.org_id, member.id, "first_share") is None
    assert held(db, member) == ["first_share"]


def test_evaluate_all_covers_every_active_member_of_every_organization_or_one(db, act, member, post):
    at = datetime(2025, 5, 6, 10)
    act.share(member, post, at)
    gone = act.member(member.organization, status="deactivated")
    act.share(gone, post, at)
    elsewhere = act.member(act.org())
    act.share(elsewhere, act.post(act.campaign(elsewhere.organization)), at)
    assert badges.evaluate_all(org_id=elsewhere.org_id) == 1
    assert held(db, member) == [] and held(db, elsewhere) == ["first_share"]
    assert badges.evaluate_all() == 1
    assert held(db, member) == ["first_share"] and held(db, gone) == []


def test_badges_of_lists_members_badges_of_this_organization_only(db, act, member, post):
    act.share(member, post, datetime(2025, 5, 6, 10))
    badges.evaluate(member)
    quiet = act.member(member.organization)
    found = badges.badges_of(org_id=member.org_id, membership_ids=[member.id, quiet.id])
    assert [b.key for b in found[member.id]] == ["first_share"] and found[quiet.id] == []
    assert badges.badges_of(org_id=act.org().id, membership_ids=[member.id]) == {member.id: []}


def test_states_show_progress_towards_each_badge(act, member, post):
    for _ in range(3):
        act.share(member, act.post(post.campaign), datetime(2025, 5, 6, 10))
    badges.evaluate(member)
    states = {s.badge.key: s for s in badges.states(member)}
    assert states["first_share"].earned and states["first_share"].value == 1
    assert not states["ten_shares"].earned and states["ten_shares"].value == 3
    assert states["streak_4_weeks"].value == 1


def test_the_worker_job_awards_badges_in_every_organization(db, act, member, post):
    from ambassador.jobs import definitions, tasks

    act.share(member, post, datetime(2025, 5, 6, 10))
    elsewhere = act.member(act.org())
    act.share(elsewhere, act.post(act.campaign(elsewhere.organization)), datetime(2025, 5, 6, 10))
    assert definitions.by_name("award_badges").func is tasks.award_badges
    assert tasks.award_badges() == {"awarded": 2}
    assert tasks.award_badges() == {"awarded": 0}
    assert held(db, member) == held(db, elsewhere) == ["first_share"]
