"""Standings windows: rolled when the org-local date moves on, rebuilt by the CLI, read by the boards."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from ambassador.models import RollupCell, StandingWindow
from ambassador.services.analytics import leaderboard, periods, rebuild, standings


def _windows(db, org) -> dict:
    return {w.window: (w.first_day, w.last_day) for w in db.session.scalars(
        sa.select(StandingWindow).where(StandingWindow.org_id == org.id))}


def test_window_days_and_the_period_before():
    today = datetime(2026, 11, 20).date()
    assert standings.window_days("7", today) == (today - timedelta(days=6), today)
    assert standings.window_days("7p", today) == (today - timedelta(days=13), today - timedelta(days=7))
    assert standings.window_days("quarter", today) == (datetime(2026, 10, 1).date(), today)
    # 51 days of this quarter so far; the period before is the 51 days before 1 October.
    assert standings.window_days("quarterp", today) == (datetime(2026, 8, 11).date(), datetime(2026, 9, 30).date())
    assert standings.window_days("all", today) == (None, None)


def test_roll_rebuilds_only_the_windows_whose_days_moved_on(db, make, act):
    org = make.org(timezone="UTC")
    ann = make.member(org, name="Ann")
    day_one = datetime(2026, 11, 20, 12)
    act.points(ann, 5, day_one - timedelta(days=6))  # in "7" on day one, not on day two
    act.points(ann, 1, day_one)
    conn = db.session.connection()
    assert standings.roll(conn, org_id=org.id, today=day_one.date()) == len(standings.ALL_WINDOWS)
    assert standings.roll(conn, org_id=org.id, today=day_one.date()) == 0  # nothing moved
    week = periods.last_days(org, 7, now=day_one)
    assert leaderboard.standing_key(org_id=org.id, window=week) == "7"
    assert leaderboard.board(org_id=org.id, window=week).rows[0].points == 6

    day_two = day_one + timedelta(days=1)
    rolled = standings.roll(conn, org_id=org.id, today=day_two.date())
    assert rolled == len(standings.ALL_WINDOWS) - 1  # all but all time (the quarter grows by a day)
    week = periods.last_days(org, 7, now=day_two)
    assert _windows(db, org)["7"] == (week.first_day, week.last_day)
    assert leaderboard.board(org_id=org.id, window=week).rows[0].points == 1


def test_rebuild_rollups_command(runner, db, make, act):
    org = make.org(slug="rollup-org")
    ann = make.member(org, name="Ann")
    act.points(ann, 7, datetime(2026, 11, 1, 9))
    db.session.execute(sa.delete(RollupCell))  # as after an upgrade: raw rows, no rollups
    result = runner.invoke(args=["ambassador", "rebuild-rollups", "--org", "rollup-org", "--batch-days", "7"])
    assert result.exit_code == 0, result.output
    assert "rollup-org: rebuilding rollups" in result.output and "standings: all, 7, 30" in result.output
    assert db.session.scalar(sa.select(sa.func.sum(RollupCell.points)).where(RollupCell.org_id == org.id)) == 7
    again = runner.invoke(args=["ambassador", "rebuild-rollups", "--org", "rollup-org", "--since", "2026-11-01"])
    assert again.exit_code == 0, again.output
    assert leaderboard.board(org_id=org.id, window=periods.all_time()).rows[0].points == 7
    assert runner.invoke(args=["ambassador", "rebuild-rollups", "--org", "nope"]).exit_code != 0


def test_batches_cover_every_day_once(db, make, act):
    org = make.org(timezone="UTC")
    act.points(make.member(org), 1, datetime(2026, 1, 1, 12))
    days = []
    for batch in rebuild.batches(org, until=datetime(2026, 3, 1).date(), days=10):
        days += [batch.first + timedelta(days=i) for i in range((batch.last - batch.first).days + 1)]
    assert days[0] == datetime(2026, 1, 1).date() and days[-1] == datetime(2026, 3, 1).date()
    assert len(days) == len(set(days)) == 60
