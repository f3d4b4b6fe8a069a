"""Chart figures: per-day series, the previous period, breakdowns by network, team and campaign."""
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from ambassador.services.analytics import periods, stamps, trends
from ambassador.services.analytics.scopes import Scope, campaign_scope

LABELS = {"linkedin": "LinkedIn", "x": "X"}


@pytest.fixture
def world(make, act):
    """1–7 March 2026 in Brussels (UTC+1) and the 7 days before it (22–28 Feb), plus another organization."""
    org = make.org(timezone="Europe/Brussels")
    red, blue = make.team(org, "Red"), make.team(org, "Blue")
    c1, c2 = make.campaign(org, title="C1"), make.campaign(org, title="C2")
    p1, p2, p3 = make.post(c1, title="P1"), make.post(c1, title="P2"), make.post(c2, title="P3")
    ann = make.member(org, name="Ann", teams=[red, blue])
    bob = make.member(org, name="Bob", teams=[blue])
    cas = make.member(org, name="Cas")  # no team

    act.share(ann, p1, datetime(2026, 3, 1, 12, 0))  # day 1
    act.share(bob, p2, datetime(2026, 3, 3, 9, 0), network="x")  # day 3
    act.share(cas, p3, datetime(2026, 3, 5, 9, 0))  # day 5
    act.share(bob, p1, datetime(2026, 3, 2, 9, 0), method="api", status="scheduled")  # never left: not counted
    act.click(ann, p1, datetime(2026, 3, 1, 13, 0))
    act.click(ann, p1, datetime(2026, 3, 1, 14, 0))
    act.click(bob, p2, datetime(2026, 3, 4, 10, 0), network="x")  # day 4
    act.click(cas, p3, datetime(2026, 3, 7, 22, 30))  # 23:30 local on 7 March: day 7
    act.points(bob, 5, datetime(2026, 3, 3, 9, 0), reason="share")
    act.points(bob, -20, datetime(2026, 3, 3, 10, 0), reason="redemption")  # spending: not earned points

    act.share(ann, p1, datetime(2026, 2, 25, 12, 0))  # previous period, day 4 (25 Feb)
    act.share(ann, p1, datetime(2026, 2, 28, 22, 59))  # 23:59 local on 28 Feb: previous day 7
    act.click(ann, p1, datetime(2026, 2, 26, 10, 0))  # previous day 5
    act.click(ann, p1, datetime(2026, 2, 28, 23, 0))  # 1 March 00:00 local: the current window's day 1

    other = make.org(timezone="Europe/Brussels")
    stranger = make.member(other, teams=[make.team(other, "Theirs")])
    theirs = make.post(make.campaign(other, title="Their campaign"), title="Theirs")
    act.share(stranger, theirs, datetime(2026, 3, 2, 9, 0))
    act.click(stranger, theirs, datetime(2026, 3, 2, 10, 0))
    world = {"org": org, "p1": p1, "c1": c1, "ann": ann, "bob": bob, "red": red, "blue": blue,
             "window": periods.days_window(org, date(2026, 3, 1), date(2026, 3, 7))}
    return world


def _days(series):
    return [(d.day.day, d.shares, d.clicks) for d in series]


def test_per_day_figures_and_the_previous_period(world):
    org, window = world["org"], world["window"]
    data = trends.compare(org=org, scope=Scope(org_id=org.id), window=window)
    assert _days(data.current) == [(1, 1, 3), (2, 0, 0), (3, 1, 0), (4, 0, 1), (5, 1, 0), (6, 0, 0), (7, 0, 1)]
    assert (data.previous_window.first_day, data.previous_window.last_day) == (date(2026, 2, 22), date(2026, 2, 28))
    assert _days(data.previous) == [(22, 0, 0), (23, 0, 0), (24, 0, 0), (25, 1, 0), (26, 0, 1), (27, 0, 0),
                                    (28, 1, 0)]
    assert (data.shares, data.clicks, data.previous_shares, data.previous_clicks) == (3, 5, 2, 1)


def test_compare_reuses_the_current_days_it_is_given(world):
    org, window = world["org"], world["window"]
    given = trends.daily(scope=Scope(org_id=org.id), window=window)
    assert trends.compare(org=org, scope=Scope(org_id=org.id), window=window, current=given).current is given


def test_previous_period_has_the_same_length_for_any_window(world):
    org = world["org"]
    custom = periods.days_window(org, date(2026, 1, 30), date(2026, 2, 2))  # 4 days across a month end
    previous = trends.previous_window(org, custom)
    assert (previous.first_day, previous.last_day, len(previous.days)) == (date(2026, 1, 26), date(2026, 1, 29), 4)
    with pytest.raises(ValueError):
        trends.previous_window(org, periods.all_time())


def test_scopes_narrow_to_a_post_a_campaign_or_a_member(world):
    org, window = world["org"], world["window"]
    post = trends.daily(scope=Scope(org_id=org.id, post_id=world["p1"].id), window=window)
    assert [(d.shares, d.clicks) for d in post if d.shares or d.clicks] == [(1, 3)]
    campaign = trends.daily(scope=campaign_scope(org_id=org.id, campaign_id=world["c1"].id), window=window)
    assert sum(d.shares for d in campaign) == 2 and sum(d.clicks for d in campaign) == 4
    bob = trends.daily(scope=Scope(org_id=org.id, membership_id=world["bob"].id), window=window, with_points=True)
    assert [(d.day.day, d.shares, d.clicks, d.points) for d in bob if d.shares or d.clicks or d.points] == [
        (3, 1, 0, 5), (4, 0, 1, 0)]


def test_breakdowns_by_network_team_and_campaign(world):
    org, window = world["org"], world["window"]
    parts = trends.breakdowns(scope=Scope(org_id=org.id), window=window, network_labels=LABELS, no_team="No team")
    assert [(r.key, r.label, r.shares, r.clicks) for r in parts.networks] == [
        ("linkedin", "LinkedIn", 2, 4), ("x", "X", 1, 1)]
    # Ann is in Red and Blue: she counts in both, so the team rows add up to more than the total.
    assert [(r.label, r.shares, r.clicks) for r in parts.teams] == [
        ("Blue", 2, 4), ("Red", 1, 3), ("No team", 1, 1)]
    assert [r.key for r in parts.teams] == [world["blue"].id, world["red"].id, None]
    assert [(r.label, r.shares, r.clicks) for r in parts.campaigns] == [("C1", 2, 4), ("C2", 1, 1)]


def test_breakdowns_never_show_another_organization(world, make, act):
    org, window = world["org"], world["window"]
    parts = trends.breakdowns(scope=Scope(org_id=org.id), window=window, network_labels=LABELS, no_team="-")
    labels = {r.label for rows in (parts.networks, parts.teams, parts.campaigns) for r in rows}
    assert not labels & {"Theirs", "Their campaign"}
    # A post id of another organization in the scope finds nothing.
    foreign = make.post(make.campaign(make.org()))
    assert sum(d.shares for d in trends.daily(scope=Scope(org_id=org.id, post_id=foreign.id), window=window)) == 0


def test_campaign_breakdown_keeps_the_top_ones(world):
    org, window = world["org"], world["window"]
    rows = trends.by_campaign(scope=Scope(org_id=org.id), window=window, limit=1)
    assert [r.label for r in rows] == ["C1"]


def test_breakdowns_take_a_constant_number_of_queries(world, make, act, db):
    org, window = world["org"], world["window"]
    seen: list[str] = []

    def count(*args):
        seen.append(args[2])

    stamps.seen(org.id)  # the rollup stamp, read once per transaction (figures are kept under it: stamps.py)
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        trends.breakdowns(scope=Scope(org_id=org.id), window=window, network_labels=LABELS, no_team="-")
        few = len(seen)
        for _ in range(6):
            member = make.member(org, teams=[make.team(org)])
            act.share(member, make.post(make.campaign(org)), datetime(2026, 3, 2, 9, 0), network="x")
        seen.clear()
        trends.breakdowns(scope=Scope(org_id=org.id), window=window, network_labels=LABELS, no_team="-")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    # The organization's breakdowns read the rollups: one query per breakdown (two for teams: the standings
    # key, or the cells), plus team and campaign names.
    assert len(seen) == few == 6

