"""Analytics for curators: a post's and a campaign's figures, their window and their scoping."""
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from ambassador.services.analytics import content_stats, periods
from ambassador.services.analytics.scopes import campaign_scope

LABELS = {"linkedin": "LinkedIn", "x": "X", "bluesky": "Bluesky"}


@pytest.fixture
def world(make, act):
    org = make.org(timezone="Europe/Brussels")
    campaign = make.campaign(org, title="Spring")
    p1, p2 = make.post(campaign, title="P1"), make.post(campaign, title="P2")
    elsewhere = make.post(make.campaign(org), title="Elsewhere")
    ann, bob, cas = (make.member(org, name=n) for n in ("Ann", "Bob", "Cas"))
    left = make.member(org, name="Dee", status="deactivated")

    act.share(ann, p1, datetime(2026, 3, 2, 9, 0))
    act.share(ann, p1, datetime(2026, 3, 3, 9, 0), network="x")
    act.share(bob, p1, datetime(2026, 3, 3, 10, 0), network="bluesky")
    act.share(cas, p2, datetime(2026, 3, 4, 9, 0))
    act.share(left, p2, datetime(2026, 3, 4, 10, 0))
    act.share(bob, elsewhere, datetime(2026, 3, 4, 9, 0))  # another campaign
    act.share(ann, p1, datetime(2026, 3, 9, 9, 0))  # after the window
    for hour in (10, 11, 12):
        act.click(bob, p1, datetime(2026, 3, 3, hour, 30), network="bluesky")
    act.click(ann, p1, datetime(2026, 3, 5, 9, 0))
    act.click(cas, p2, datetime(2026, 3, 5, 9, 0))
    act.click(bob, elsewhere, datetime(2026, 3, 5, 9, 0))

    other = make.org()
    theirs = make.member(other, name="Stranger")
    act.share(theirs, make.post(make.campaign(other)), datetime(2026, 3, 3, 9, 0))
    return {"org": org, "campaign": campaign, "p1": p1,
            "window": periods.days_window(org, date(2026, 3, 1), date(2026, 3, 7))}


def test_post_figures(world):
    stats = content_stats.post_stats(post=world["p1"], window=world["window"], network_labels=LABELS)
    assert (stats.shares, stats.clicks) == (3, 4)
    assert [(r.label, r.shares, r.clicks) for r in stats.networks] == [
        ("Bluesky", 1, 3), ("LinkedIn", 1, 1), ("X", 1, 0)]
    assert [(a.name, a.shares, a.clicks) for a in stats.ambassadors] == [("Bob", 1, 3), ("Ann", 2, 1)]
    assert [(d.day.day, d.shares, d.clicks) for d in stats.series if d.shares or d.clicks] == [
        (2, 1, 0), (3, 2, 3), (5, 0, 1)]
    assert stats.posts == []


def test_campaign_figures(world):
    stats = content_stats.campaign_stats(campaign=world["campaign"], window=world["window"], network_labels=LABELS)
    assert (stats.shares, stats.clicks) == (5, 5)
    # Dee left the organization: what she shared still counts for the campaign.
    assert [(a.name, a.shares, a.clicks) for a in stats.ambassadors] == [
        ("Bob", 1, 3), ("Ann", 2, 1), ("Cas", 1, 1), ("Dee", 1, 0)]
    assert [(r.label, r.shares, r.clicks) for r in stats.posts] == [("P1", 3, 4), ("P2", 2, 1)]
    assert [(r.label, r.shares, r.clicks) for r in stats.networks] == [
        ("Bluesky", 1, 3), ("LinkedIn", 3, 2), ("X", 1, 0)]


def test_top_ambassadors_are_limited(world):
    rows = content_stats.top_ambassadors(scope=campaign_scope(org_id=world["org"].id, campaign_id=world["campaign"].id),
                                         window=world["window"], limit=2)
    assert [a.name for a in rows] == ["Bob", "Ann"]


def test_content_window(world):
    org = world["org"]
    now = datetime(2026, 3, 10, 12, 0)
    since = content_stats.content_window(org, key=None, since=datetime(2026, 3, 3, 10, 0), now=now)
    assert (since.key, since.first_day, since.last_day) == ("since", date(2026, 3, 3), date(2026, 3, 10))
    last30 = content_stats.content_window(org, key="30", since=datetime(2026, 3, 3), now=now)
    assert (last30.key, last30.first_day) == ("30", date(2026, 2, 9))
    old = content_stats.content_window(org, key="since", since=datetime(2020, 1, 1), now=now)
    assert len(old.days) == periods.MAX_CUSTOM_DAYS and old.last_day == date(2026, 3, 10)
    unknown = content_stats.content_window(org, key="7; drop", since=datetime(2026, 3, 9), now=now)
    assert (unknown.key, unknown.first_day) == ("since", date(2026, 3, 9))


def test_a_page_plans_its_statements_for_their_values(world, db):
    """PostgreSQL: a page's statements are planned for their window and scope, not with a generic plan made once
    per connection (infra/database.custom_plans: the top ambassadors ran 2.5× slower with the generic one)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    content_stats.post_stats(post=world["p1"], window=world["window"], network_labels=LABELS)
    assert db.session.scalar(sa.text("SHOW plan_cache_mode")) == "force_custom_plan"
