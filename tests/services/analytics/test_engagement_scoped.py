"""Engagement and potential reach of a window's counted shares per network, and engagement gained per day, for the
organization, a post, a campaign or a member (services/analytics/engagement.py): hand-built readings with known
answers, stored as the engagement job stores them (the organization's days are read from the rollups it feeds)."""
from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from ambassador.models import Membership, User
from ambassador.services.analytics import engagement, periods
from ambassador.services.analytics.scopes import Scope, campaign_scope

from .engagement_data import Recorder

LIKES = {"likes": 0, "reposts": 0, "replies": 0, "quotes": 0, "impressions": None}


def figures(**given) -> dict:
    return {**LIKES, **given}


@pytest.fixture
def week(db, make, act):
    """1–7 March 2026 in Brussels (UTC+1); the previous period is 22–28 February."""
    org = make.org(timezone="Europe/Brussels")
    campaign = make.campaign(org)
    post, other_post = make.post(campaign, title="P"), make.post(make.campaign(org), title="Q")
    ann, bob = make.member(org, name="Ann"), make.member(org, name="Bob")
    rec = Recorder(db, act)
    x, bluesky = rec.account(ann, "x", 1000), rec.account(bob, "bluesky", None)
    linkedin = rec.account(ann, "linkedin", None)
    facebook = rec.account(bob, "facebook", 400)  # granted without pages_read_engagement: reports nothing
    # Day 0: 5 likes; day 1: +3 likes +1 repost; day 2: two unliked (−2).
    rec.api_share(ann, post, x, datetime(2026, 3, 1, 8, 0), history=[
        (datetime(2026, 3, 1, 9, 0), figures(likes=5, impressions=100)),
        (datetime(2026, 3, 2, 9, 0), figures(likes=8, reposts=1, impressions=300)),
        (datetime(2026, 3, 3, 22, 30), figures(likes=6, reposts=1, impressions=350))])  # 23:30 local: day 2
    # Deleted on the network after a reading of 3 on day 1: the 3 stays.
    rec.api_share(bob, post, bluesky, datetime(2026, 3, 2, 7, 0), deleted=True, history=[
        (datetime(2026, 3, 2, 8, 0), figures(replies=2, quotes=1))])
    rec.api_share(ann, other_post, linkedin, datetime(2026, 3, 4, 9, 0))  # never read: LinkedIn gives nothing
    rec.api_share(bob, other_post, facebook, datetime(2026, 3, 4, 9, 0))
    rec.intent_share(ann, post, datetime(2026, 3, 5, 9, 0), "x")
    # Shared in the previous period: read then (day 1 of it) and again this week (counted on the day of that reading).
    rec.api_share(ann, other_post, x, datetime(2026, 2, 23, 9, 0), history=[
        (datetime(2026, 2, 23, 10, 0), figures(likes=2)), (datetime(2026, 3, 2, 10, 0), figures(likes=9))])
    stranger = make.member(make.org(timezone="Europe/Brussels"))
    Recorder(db, act).api_share(stranger, make.post(make.campaign(stranger.organization)),
                                rec.account(stranger, "x", 5), datetime(2026, 3, 2, 9, 0),
                                history=[(datetime(2026, 3, 2, 10, 0), figures(likes=50))])
    window = periods.days_window(org, date(2026, 3, 1), date(2026, 3, 7))
    return {"org": org, "campaign": campaign, "post": post, "other_post": other_post, "ann": ann, "bob": bob,
            "rec": rec, "window": window}


def test_engagement_per_day_is_what_that_days_readings_added(week):
    org, window, rec = week["org"], week["window"], week["rec"]
    post, other_post = week["post"], week["other_post"]
    days = engagement.daily(scope=Scope(org_id=org.id), window=window)
    # Day 0: 5 likes. Day 1: +3 likes and a repost, the 3 of the share deleted later, and the +7 the share of the
    # previous period gained that day. Day 2: two unliked (the reading at 23:30 local).
    assert days.known and days.values == [5, 4 + 3 + 7, -2, 0, 0, 0, 0] and days.total == 17
    assert days.values == rec.daily(rec.made, window.days, org.timezone)
    compared = engagement.compare_daily(org=org, scope=Scope(org_id=org.id), window=window)
    assert compared.previous.values == [0, 2, 0, 0, 0, 0, 0]  # 23 Feb, that share's first reading
    assert compared.current.values == days.values and compared.known
    scoped = {
        "post": Scope(org_id=org.id, post_id=post.id),
        "other post": Scope(org_id=org.id, post_id=other_post.id),
        "campaign": campaign_scope(org_id=org.id, campaign_id=week["campaign"].id),
        "Ann": Scope(org_id=org.id, membership_id=week["ann"].id),
        "Bob": Scope(org_id=org.id, membership_id=week["bob"].id),
    }
    mine = {
        "post": rec.of({post.id}), "other post": rec.of({other_post.id}), "campaign": rec.of({post.id}),
        "Ann": [m for m in rec.made if m.name == "Ann"], "Bob": [m for m in rec.made if m.name == "Bob"],
    }
    got = {name: engagement.daily(scope=scope, window=window).values for name, scope in scoped.items()}
    assert got == {name: rec.daily(made, window.days, org.timezone) for name, made in mine.items()}
    assert got["post"] == [5, 4 + 3, -2, 0, 0, 0, 0] and got["other post"] == [0, 7, 0, 0, 0, 0, 0]
    # The organization's days (from the rollups) are its posts' days (from the snapshots) added up.
    assert days.values == [a + b for a, b in zip(got["post"], got["other post"], strict=True)]


def test_engagement_per_day_is_unknown_until_a_share_was_read_back(week, make, act):
    org = week["org"]
    before = periods.days_window(org, date(2026, 2, 1), date(2026, 2, 7))  # before the first reading
    days = engagement.daily(scope=Scope(org_id=org.id), window=before)
    assert not days.known and days.values == [None] * 7 and days.total is None
    # Once shares are read back, a day whose readings added nothing gained 0 (known).
    quiet = periods.days_window(org, date(2026, 3, 4), date(2026, 3, 7))
    days = engagement.daily(scope=Scope(org_id=org.id), window=quiet)
    assert days.known and days.values == [0] * 4 and days.total == 0
    assert engagement.daily(scope=Scope(org_id=org.id, post_id=week["other_post"].id), window=quiet).known
    silent = make.post(week["campaign"], title="Only a share link")
    act.share(week["ann"], silent, datetime(2026, 3, 5, 9, 0), network="x")
    assert not engagement.daily(scope=Scope(org_id=org.id, post_id=silent.id), window=quiet).known
    assert not engagement.daily(scope=Scope(org_id=org.id), window=periods.all_time()).known


def test_per_network_counts_what_is_known_and_says_what_is_not(week):
    org, window = week["org"], week["window"]
    rows = {r.network: r for r in engagement.by_network(scope=Scope(org_id=org.id), window=window)}
    x, bluesky, linkedin, facebook = rows["x"], rows["bluesky"], rows["linkedin"], rows["facebook"]
    assert (x.shares, x.linked, x.intent, x.read, x.likes, x.reposts, x.engagement) == (2, 1, 1, 1, 6, 1, 7)
    assert (x.impressions, x.reach, x.reach_known, x.reach_unknown) == (350, 1000, 1, 1)
    assert (bluesky.deleted, bluesky.engagement, bluesky.replies, bluesky.reach) == (1, 3, 2, None)
    assert (linkedin.unreported, linkedin.waiting, linkedin.engagement, linkedin.likes) == (1, 0, None, None)
    assert (facebook.unreported, facebook.engagement, facebook.reach) == (1, None, 400)
    total = engagement.total(list(rows.values()))
    assert (total.shares, total.engagement, total.reach, total.deleted) == (5, 10, 1400, 1)
    reach = engagement.per_network(org_id=org.id, window=window)  # what the overview's EMV takes
    assert reach.engagements == {"x": 7, "bluesky": 3, "linkedin": None, "facebook": None}
    assert reach.impressions == {"x": 1000, "bluesky": None, "linkedin": None, "facebook": 400}


def test_per_member_for_a_campaign(week, db):
    scope = campaign_scope(org_id=week["org"].id, campaign_id=week["campaign"].id)
    figures_ = engagement.by_member(scope=scope, window=week["window"])
    rows = db.session.execute(sa.select(User.name, figures_).join(Membership, Membership.user_id == User.id)
                              .join(figures_, figures_.c.membership_id == Membership.id).order_by(User.name))
    got = {row.name: engagement.member_figures(row) for row in rows}
    assert (got["Ann"].shares, got["Ann"].engagement, got["Ann"].reach) == (2, 7, 1000)
    assert (got["Bob"].shares, got["Bob"].engagement, got["Bob"].reach, got["Bob"].deleted) == (1, 3, None, 1)
