from datetime import date, datetime

import pytest

from ambassador.services.analytics import overview, periods


@pytest.fixture
def world(make, act):
    """A hand-built week, 1–7 March 2026 in Brussels (UTC+1), plus noise around it and in another org."""
    org = make.org(timezone="Europe/Brussels")
    camp = make.campaign(org)
    p1, p2, p3 = (make.post(camp, title=t) for t in ("P1", "P2", "P3"))
    ann = make.member(org, name="Ann")
    bob = make.member(org, name="Bob", kind="external")
    make.member(org, name="Cas")  # ambassador who never shares
    dee = make.member(org, name="Dee", status="deactivated")
    max_ = make.member(org, name="Max", role="manager")

    act.share(ann, p1, datetime(2026, 2, 28, 23, 30))  # 1 March 00:30 local: day 0
    act.share(ann, p2, datetime(2026, 3, 3, 9, 0))
    act.share(bob, p1, datetime(2026, 2, 27, 9, 0), method="api", status="published",
              published_at=datetime(2026, 3, 3, 12, 0))  # counts on its publish day
    act.share(bob, p2, datetime(2026, 3, 2, 9, 0), network="x", method="api", status="scheduled")  # not out
    act.share(max_, p3, datetime(2026, 3, 7, 22, 30))  # 7 March 23:30 local: day 6
    act.share(dee, p3, datetime(2026, 3, 2, 9, 0))
    act.share(ann, p3, datetime(2026, 3, 7, 23, 30))  # 8 March 00:30 local: outside
    for _ in range(3):
        act.click(ann, p1, datetime(2026, 3, 1, 12, 0))
    act.click(bob, p1, datetime(2026, 3, 3, 13, 0))
    act.click(bob, p1, datetime(2026, 3, 4, 13, 0))
    act.click(ann, p2, datetime(2026, 3, 4, 13, 0))
    act.click(max_, p3, datetime(2026, 3, 7, 22, 45))
    act.click(ann, p1, datetime(2026, 2, 28, 22, 59))  # 28 Feb 23:59 local: outside

    act.points(ann, 10, datetime(2026, 3, 1, 12, 0))
    act.points(bob, 7, datetime(2026, 3, 3, 12, 0))
    act.points(max_, 5, datetime(2026, 3, 7, 22, 30))
    act.points(dee, 20, datetime(2026, 3, 2, 9, 0))
    act.points(ann, 100, datetime(2026, 3, 8, 9, 0))  # outside

    other = make.org()
    stranger = make.member(other, name="Stranger")
    foreign_post = make.post(make.campaign(other), title="Foreign")
    act.share(stranger, foreign_post, datetime(2026, 3, 3, 9, 0))
    act.click(stranger, foreign_post, datetime(2026, 3, 3, 10, 0))
    act.points(stranger, 50, datetime(2026, 3, 3, 10, 0))
    return org


def test_overview_numbers_on_a_hand_built_week(world):
    window = periods.days_window(world, date(2026, 3, 1), date(2026, 3, 7))
    report = overview.overview(org_id=world.id, window=window)
    assert (report.shares, report.clicks, report.points) == (5, 7, 42)
    # Ann and Bob shared; Cas did not; Dee is deactivated and Max is a manager (neither counted).
    assert (report.sharing_ambassadors, report.ambassadors, report.active_percent) == (2, 3, 67)
    assert [(p.title, p.clicks, p.shares) for p in report.top_posts] == [("P1", 5, 2), ("P3", 1, 2), ("P2", 1, 1)]
    assert [(r.name, r.rank, r.points) for r in report.top_ambassadors.rows] == [
        ("Ann", 1, 10), ("Bob", 2, 7), ("Max", 3, 5)]
    assert [(d.day.day, d.shares, d.clicks) for d in report.series] == [
        (1, 1, 3), (2, 1, 0), (3, 2, 1), (4, 0, 2), (5, 0, 0), (6, 0, 0), (7, 1, 1)]
    assert report.series_max == 3


def test_per_day_series_follows_daylight_saving(make, act):
    org = make.org(timezone="Europe/Brussels")
    member = make.member(org)
    post = make.post(make.campaign(org))
    # Summer time starts 29 March 2026: that local day is 23 hours long.
    act.share(member, post, datetime(2026, 3, 28, 23, 30))  # 29 March 00:30 CET
    act.share(member, post, datetime(2026, 3, 29, 21, 59))  # 29 March 23:59 CEST
    act.share(member, post, datetime(2026, 3, 29, 22, 0))  # 30 March 00:00 CEST
    window = periods.days_window(org, date(2026, 3, 29), date(2026, 3, 30))
    assert [(d.day.day, d.shares) for d in overview.series(org_id=org.id, window=window)] == [(29, 2), (30, 1)]


def test_empty_organization_has_zeroes_not_errors(make):
    org = make.org()
    report = overview.overview(org_id=org.id, window=periods.last_days(org, 7))
    assert (report.shares, report.clicks, report.points, report.ambassadors, report.active_percent) == (0, 0, 0, 0, 0)
    assert report.top_posts == [] and report.top_ambassadors.rows == []
    assert len(report.series) == 7 and report.series_max == 0
