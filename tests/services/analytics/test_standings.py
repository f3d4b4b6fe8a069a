"""Standings windows: rolled when the org-local date moves on, rebuilt by the CLI, read by the boards."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from ambassador.models import RollupCell, StandingWindow
from ambassador.services.analytics import leaderboard, periods, rebuild, standings


def _windows(db, org) -> dict:
    return {w.window: (w.first_day, w.last_day) for w in db.session.scalars(
        sa.select(StandingWindow).where(StandingWindow.org_id == org.id))}


def _build_range(db, org, now, monkeypatch):
    """The range of the 14th to the 8th day before `now`, asked for and built by the worker's roll at `now`."""
    monkeypatch.setattr("ambassador.services.analytics.standings.utcnow", lambda: now)
    window = periods.days_window(org, (now - timedelta(days=14)).date(), (now - timedelta(days=8)).date())
    leaderboard.remember_range(org_id=org.id, window=window)
    rebuild.roll_standings(org=org, now=now)
    db.session.commit()
    return window


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


def test_a_custom_range_gets_standings_once_asked_for_and_goes_when_nobody_looks(db, make, act, monkeypatch):
    org = make.org(timezone="UTC")
    ann, bob = make.member(org, name="Ann"), make.member(org, name="Bob")
    now = datetime(2026, 11, 20, 12)
    act.points(ann, 4, now - timedelta(days=12))
    act.points(bob, 3, now - timedelta(days=11))
    act.points(bob, 9, now - timedelta(days=18))  # before the range, inside its previous period
    window = periods.days_window(org, (now - timedelta(days=14)).date(), (now - timedelta(days=8)).date())
    before = leaderboard.board(org_id=org.id, window=window, compare=True)  # summed from the cells
    assert leaderboard.standing_key(org_id=org.id, window=window) is None
    monkeypatch.setattr("ambassador.services.analytics.standings.utcnow", lambda: now)
    leaderboard.remember_range(org_id=org.id, window=window)
    assert leaderboard.standing_key(org_id=org.id, window=window) is None  # asked for, not built yet
    rebuild.roll_standings(org=org, now=now)
    key = leaderboard.standing_key(org_id=org.id, window=window)
    assert key == standings.custom_key(window.first_day, window.last_day)
    act.points(bob, 2, now - timedelta(days=9))  # an increment inside the kept range
    after = leaderboard.board(org_id=org.id, window=window, compare=True)
    assert [(r.name, r.points, r.rank, r.previous_rank) for r in before.rows] == [
        ("Ann", 4, 1, None), ("Bob", 3, 2, 1)]
    assert [(r.name, r.points, r.rank, r.previous_rank) for r in after.rows] == [
        ("Bob", 5, 1, 1), ("Ann", 4, 2, None)]
    # Nobody looks for CUSTOM_KEPT: the next roll drops it (and its previous period), and the board is summed
    # from the cells again, with the same figures.
    later = now + standings.CUSTOM_KEPT + timedelta(hours=1)
    monkeypatch.setattr("ambassador.services.analytics.standings.utcnow", lambda: later)
    rebuild.roll_standings(org=org, now=later)
    assert leaderboard.standing_key(org_id=org.id, window=window) is None
    assert not [k for k in _windows(db, org) if k.startswith("d:")]
    again = leaderboard.board(org_id=org.id, window=window, compare=True)
    assert [(r.name, r.points, r.rank) for r in again.rows] == [("Bob", 5, 1), ("Ann", 4, 2)]


def test_at_most_custom_max_ranges_are_kept(db, make, act, monkeypatch):
    org = make.org(timezone="UTC")
    make.member(org, name="Ann")
    now = datetime(2026, 11, 20, 12)
    monkeypatch.setattr("ambassador.services.analytics.standings.utcnow", lambda: now)
    first = now.date() - timedelta(days=200)
    for i in range(standings.CUSTOM_MAX + 3):
        day = first + timedelta(days=3 * i)
        standings.ask(db.session.connection(), org_id=org.id, first=day, last=day)
    rebuild.roll_standings(org=org, now=now)
    assert len([k for k in _windows(db, org) if k.startswith("d:")]) == standings.CUSTOM_MAX


def test_equal_totals_are_listed_by_name_and_a_rename_moves_them(db, make, act):
    org = make.org(timezone="UTC")
    people = [make.member(org, name=name) for name in ("Cas", "ann", "Bob")]
    for member in people:
        act.points(member, 5, datetime(2026, 11, 19, 9))
    rebuild.rebuild_standings(org=org)
    board = leaderboard.board(org_id=org.id, window=periods.all_time())
    assert leaderboard.standing_key(org_id=org.id, window=periods.all_time()) == "all"
    assert [(r.name, r.rank) for r in board.rows] == [("ann", 1), ("Bob", 1), ("Cas", 1)]
    people[0].user.name = "Aaron"
    db.session.flush()
    assert [r.name for r in leaderboard.board(org_id=org.id, window=periods.all_time()).rows] == [
        "Aaron", "ann", "Bob"]


def test_an_organization_from_before_the_rollups_is_summed_by_the_worker(db, make, act, app):
    from ambassador.jobs import tasks
    from ambassador.models import RollupRebuild

    org = make.org(timezone="UTC")
    ann = make.member(org, name="Ann")
    act.points(ann, 7, datetime(2026, 11, 1, 9))
    db.session.execute(sa.delete(RollupCell))  # as after the upgrade: raw rows, no rollups, queued
    db.session.add(RollupRebuild(org_id=org.id))
    db.session.commit()
    assert rebuild.rebuilding(org.id)
    assert leaderboard.board(org_id=org.id, window=periods.all_time()).rows[0].points == 0
    result = tasks.roll_standings()
    assert result["rebuilt"] == 1
    assert not rebuild.rebuilding(org.id)
    assert leaderboard.board(org_id=org.id, window=periods.all_time()).rows[0].points == 7


def test_shares_per_team_follow_a_deleted_team_into_no_team(db, make, act):
    from ambassador.services.analytics import trends

    org = make.org(timezone="UTC")
    north, south = make.team(org, name="North"), make.team(org, name="South")
    ann = make.member(org, name="Ann", teams=[north])
    bob = make.member(org, name="Bob", teams=[north, south])
    cas = make.member(org, name="Cas")
    post = make.post(make.campaign(org))
    day = datetime(2026, 11, 19, 9)
    for member, count in ((ann, 1), (bob, 2), (cas, 3)):
        for _ in range(count):
            act.share(member, post, day, network="x")
    rebuild.rebuild_standings(org=org)
    window = periods.all_time()
    assert leaderboard.standing_key(org_id=org.id, window=window) == "all"

    def shares_per_team():
        rows = trends.by_team(scope=trends.Scope(org_id=org.id), window=window, no_team="none")
        return {row.label: row.shares for row in rows}

    assert shares_per_team() == {"North": 3, "South": 2, "none": 3}
    db.session.delete(north)
    db.session.flush()
    db.session.expire_all()
    assert shares_per_team() == {"South": 2, "none": 4}  # Ann is in no team now


def test_the_worker_builds_a_custom_range_within_seconds_of_someone_looking(db, make, act, monkeypatch):
    """build_asked_ranges (every 2 s) builds what a view asked for, without waiting for roll_standings (2 min);
    with nothing asked it builds nothing, and another organization's windows are left alone."""
    from ambassador.jobs import definitions, tasks

    org, other = make.org(timezone="UTC"), make.org(timezone="UTC")
    ann = make.member(org, name="Ann")
    make.member(other, name="Zed")
    now = datetime(2026, 11, 20, 12)
    act.points(ann, 4, now - timedelta(days=12))
    rebuild.rebuild_standings(org=org, today=now.date())
    rebuild.rebuild_standings(org=other, today=now.date())
    db.session.commit()
    assert tasks.build_asked_ranges(now=now) == {"built": 0}
    window = periods.days_window(org, (now - timedelta(days=14)).date(), (now - timedelta(days=8)).date())
    leaderboard.remember_range(org_id=org.id, window=window)
    db.session.commit()
    assert rebuild.asked_org_ids() == [org.id]
    other_windows = _windows(db, other)
    assert tasks.build_asked_ranges(now=now) == {"built": 2}  # the range and its previous period
    assert leaderboard.standing_key(org_id=org.id, window=window) == standings.custom_key(
        window.first_day, window.last_day)
    assert [r.points for r in leaderboard.board(org_id=org.id, window=window).rows] == [4]
    assert rebuild.asked_org_ids() == []
    assert _windows(db, other) == other_windows
    assert definitions.by_name("build_asked_ranges").interval({}) == 2


def test_a_custom_range_is_built_and_committed_before_the_period_before_it(db, make, act, monkeypatch):
    """One window per transaction, the range itself first: its boards read its standings (the movement still
    summed from the cells) while the worker builds the period before."""
    from ambassador.jobs import tasks

    org = make.org(timezone="UTC")
    ann, bob = make.member(org, name="Ann"), make.member(org, name="Bob")
    now = datetime(2026, 11, 20, 12)
    act.points(ann, 4, now - timedelta(days=12))
    act.points(bob, 7, now - timedelta(days=18))  # in the period before only
    rebuild.rebuild_standings(org=org, today=now.date())
    db.session.commit()
    window = periods.days_window(org, (now - timedelta(days=14)).date(), (now - timedelta(days=8)).date())
    before = periods.previous(org, window)
    leaderboard.remember_range(org_id=org.id, window=window)
    db.session.commit()

    built: list[list[str | None]] = []
    roll = rebuild.roll_standings

    def one_step(**kw):
        n = roll(**kw)
        db.session.commit()  # what the job's next begin_write() does; then look as another process would
        built.append([leaderboard.standing_key(org_id=org.id, window=w) for w in (window, before)])
        return n

    monkeypatch.setattr(rebuild, "roll_standings", one_step)
    assert tasks.build_asked_ranges(now=now) == {"built": 2}
    range_key = standings.custom_key(window.first_day, window.last_day)
    assert built == [[range_key, None], [range_key, standings.custom_key(before.first_day, before.last_day)],
                     [range_key, standings.custom_key(before.first_day, before.last_day)]]
    board = leaderboard.board(org_id=org.id, window=window, compare=True)
    assert [(r.name, r.points, r.previous_rank) for r in board.rows] == [("Ann", 4, None), ("Bob", 0, 1)]


def test_a_kept_board_of_a_dropped_range_is_summed_from_the_cells_again(db, make, act, monkeypatch):
    """A board kept with the viewer's row reuses its windows after an event only while they are still built for
    its days: once the worker drops a custom range nobody looked at, the next view sums the cells."""
    org = make.org(timezone="UTC")
    ann, bob = make.member(org, name="Ann"), make.member(org, name="Bob")
    now = datetime(2026, 11, 20, 12)
    act.points(ann, 4, now - timedelta(days=12))
    act.points(bob, 3, now - timedelta(days=11))
    window = _build_range(db, org, now, monkeypatch)

    def view():
        board = leaderboard.board(org_id=org.id, window=window, limit=1, me_id=bob.id, compare=True)
        return [(r.name, r.points, r.rank) for r in board.listed]

    assert leaderboard.standing_key(org_id=org.id, window=window) is not None
    assert view() == view() == [("Ann", 4, 1), ("Bob", 3, 2)]  # the second from memory
    later = now + standings.CUSTOM_KEPT + timedelta(hours=1)
    monkeypatch.setattr("ambassador.services.analytics.standings.utcnow", lambda: later)
    rebuild.roll_standings(org=org, now=later)
    db.session.commit()
    assert leaderboard.standing_key(org_id=org.id, window=window) is None
    assert view() == [("Ann", 4, 1), ("Bob", 3, 2)]


def test_a_range_summed_from_the_cells_takes_its_movement_from_the_built_period_before(db, make, act, monkeypatch):
    """A range nobody asked for yet, whose period before is a built range: its rows are summed from the cells and
    their previous ranks read from that range's standings (board_standings.previous_ranks)."""
    org = make.org(timezone="UTC")
    ann, bob, cy = (make.member(org, name=name) for name in ("Ann", "Bob", "Cy"))
    now = datetime(2026, 11, 20, 12)
    for member, points in ((cy, 5), (ann, 4), (bob, 3)):
        act.points(member, points, now - timedelta(days=10))  # inside the built range
    act.points(bob, 6, now - timedelta(days=3))  # inside the range after it
    act.points(ann, 2, now - timedelta(days=2))
    built = _build_range(db, org, now, monkeypatch)
    after = periods.days_window(org, (now - timedelta(days=7)).date(), (now - timedelta(days=1)).date())
    assert leaderboard.standing_key(org_id=org.id, window=after) is None
    assert leaderboard.standing_key(org_id=org.id, window=built) is not None
    board = leaderboard.board(org_id=org.id, window=after, compare=True)
    assert [(r.name, r.points, r.rank, r.previous_rank) for r in board.rows] == [
        ("Bob", 6, 1, 3), ("Ann", 2, 2, 2), ("Cy", 0, 3, 1)]
