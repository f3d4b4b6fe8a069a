"""Boards and overview figures kept in memory under the organization's rollup stamp (services/analytics/
board_cache.py, stamps.py).

Property test: after any committed event — points, shares, clicks, a member joining, changing team or kind,
deactivated or reactivated, renamed, a team renamed, windows rebuilt — every board read (kept from before the
event when the kept one were still used) equals the board computed afresh, for every window × team × kind ×
campaign × network with the viewer's row and movement. And the stamp is what tells: a change committed by
another process (written by SQL here, nothing in this process told) is seen; a transaction's own uncommitted
changes are neither read from nor kept in memory.
"""
from __future__ import annotations

import random
from dataclasses import astuple
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import MemberKind, Membership, MemberStatus, Organization, Post, RollupStamp, User
from ambassador.services.analytics import (
    board_cache,
    board_standings,
    engagement,
    leaderboard,
    overview,
    periods,
    rebuild,
    stamps,
    trends,
)
from ambassador.services.analytics.boards import Board, Scope
from ambassador.services.analytics.trends import Scope as TrendScope
from ambassador.services.publishing import clicks as click_writer

from . import test_rollups_property
from .test_rollups_property import NOW, _activity, _scopes, _windows, _world

SEEDS = range(6)


def _shape(board: Board) -> tuple:
    return (board.total, board.compared, [astuple(row) for row in board.rows],
            astuple(board.me) if board.me is not None else None)


def _read(org, window, me, scope) -> Board:
    return leaderboard.board(org_id=org.id, window=window, limit=3, me_id=me.id, compare=True, **scope)


def _fresh(org, window, me, scope) -> Board:
    """The same board computed afresh, without looking at or touching the boards kept in memory (the count of
    ranked members counted again too)."""
    before = periods.previous_days(window)
    spans = ((window.first_day, window.last_day),) + ((before,) if before else ())
    board_standings.forget_counts()
    return leaderboard._fresh(org_id=org.id, spans=spans, scope=Scope(**scope), limit=3, me_id=me.id).board


def _check(org, windows, members, scopes, rng) -> None:
    """Every board read (from memory when kept under the current stamp) equals the same board computed afresh."""
    for window in windows:
        for scope in scopes:
            for me in (rng.choice(members), rng.choice(members)):  # the second read is from memory
                assert _shape(_read(org, window, me, scope)) == _shape(_fresh(org, window, me, scope)), (
                    window.key, scope, me.id)


def _event(rng: random.Random, db, make, act, org, teams, members, posts) -> str:
    roll = rng.random()
    if roll < 0.45:
        _activity(rng, db, act, members, posts, rng.randint(1, 3))
        return "activity"
    member = rng.choice(members)
    if roll < 0.55:
        member.teams = rng.sample(teams, rng.randint(0, 2))
    elif roll < 0.62:
        member.kind = MemberKind.EXTERNAL if member.kind == MemberKind.INTERNAL else MemberKind.INTERNAL
    elif roll < 0.7:
        member.status = MemberStatus.DEACTIVATED if member.status == MemberStatus.ACTIVE else MemberStatus.ACTIVE
    elif roll < 0.77:
        member.user.name = rng.choice(["Aa", "Zed", "bob", ""])
    elif roll < 0.82:
        member.user.email = f"x{rng.random()}@example.com"  # shown when there is no name
    elif roll < 0.88:
        rng.choice(teams).name = f"Team {rng.random()}"
    elif roll < 0.94:
        members.append(make.member(org, name=rng.choice(["Ann", "Zoe"]), teams=rng.sample(teams, 1)))
    else:
        rebuild.rebuild_standings(org=org)
    db.session.flush()
    return "change"


@pytest.mark.parametrize("seed", SEEDS)
def test_a_kept_board_equals_a_fresh_one_after_any_event(seed, db, make, act, monkeypatch):
    rng = random.Random(seed)
    monkeypatch.setattr("ambassador.services.analytics.rebuild.utcnow", lambda: NOW)
    # Activity in the last weeks, so most events change the boards looked at.
    monkeypatch.setattr(test_rollups_property, "_when",
                        lambda r: NOW - timedelta(days=r.randint(0, 20), minutes=r.randint(0, 1439)))
    board_cache.forget()
    org, teams, members, campaigns, posts = _world(rng, make, act)
    _activity(rng, db, act, members, posts, rng.randint(10, 30))
    rebuild.rebuild_standings(org=org)
    db.session.commit()
    windows = _windows(rng, org)[0:4]  # all time, 7, 30, 90 days: standings windows (the last three compared)
    scopes = _scopes(rng, teams, campaigns)[:4]
    _check(org, windows, members, scopes, rng)
    views = []
    real_view = board_cache._view
    monkeypatch.setattr(board_cache, "_view", lambda *a: views.append(a) or real_view(*a))
    start = stamps.current(org.id)
    for _step in range(12):
        _event(rng, db, make, act, org, teams, members, posts)
        db.session.commit()
        _check(org, windows, members, scopes, rng)
    assert stamps.current(org.id) != start
    assert views  # boards were read from memory


def _committed_world(rng, db, make, act, monkeypatch, *, events: int):
    monkeypatch.setattr("ambassador.services.analytics.rebuild.utcnow", lambda: NOW)
    board_cache.forget()
    org, _teams, members, _campaigns, posts = _world(rng, make, act)
    _activity(rng, db, act, members, posts, events)
    rebuild.rebuild_standings(org=org)
    db.session.commit()
    return org, members


def test_a_board_read_again_is_kept_until_the_stamp_moves(db, make, act, monkeypatch):
    rng = random.Random(3)
    org, members = _committed_world(rng, db, make, act, monkeypatch, events=30)
    computed = []
    real = leaderboard._fresh
    monkeypatch.setattr(leaderboard, "_fresh", lambda **kw: computed.append(kw) or real(**kw))
    window = _windows(rng, org)[2]
    me, other = [m for m in members if m.status == MemberStatus.ACTIVE][:2]
    first = _shape(_read(org, window, me, {}))
    assert _shape(_read(org, window, other, {})) is not None
    assert _shape(_read(org, window, me, {})) == first
    assert len(computed) == 1  # read three times (two viewers), computed once

    # Another process renames the viewer and moves the stamp (both by SQL, in one commit): nothing in this
    # process is told; the stamp read with the board is what changes.
    db.session.execute(sa.update(User).where(User.id == me.user_id).values(name="Zz other process")
                       .execution_options(synchronize_session=False))
    stamps.bump(db.session.connection(), [org.id])
    db.session.commit()
    again = _read(org, window, me, {})
    assert len(computed) == 2 and again.me is not None and again.me.name == "Zz other process"
    # Without the stamp moving, the kept board stays in use (what the stamp is for: one cheap read).
    db.session.execute(sa.update(User).where(User.id == me.user_id).values(name="Zz unseen")
                       .execution_options(synchronize_session=False))
    db.session.commit()
    _read(org, window, me, {})
    assert len(computed) == 2


def test_the_count_of_ranked_members_outlives_events_not_changes_to_the_members(db, make, act, monkeypatch):
    rng = random.Random(7)
    org, members = _committed_world(rng, db, make, act, monkeypatch, events=10)
    counted = []
    real = board_standings._ranked_members
    monkeypatch.setattr(board_standings, "_ranked_members", lambda *a: counted.append(a) or real(*a))
    active = [m for m in members if m.status == MemberStatus.ACTIVE]
    board_standings.forget_counts()
    total = board_standings.ranked_count(org.id, Scope())
    db.session.commit()
    assert len(counted) == 1
    # An event moves the stamp (boards are computed again), not the members stamp: the count is kept.
    start, members_start = stamps.current(org.id), stamps.members_seen(org.id)
    act.points(active[0], 5, NOW)
    db.session.commit()
    assert stamps.current(org.id) != start and stamps.members_seen(org.id) == members_start
    assert board_standings.ranked_count(org.id, Scope()) == total and len(counted) == 1
    db.session.commit()
    # Another process deactivates a member (by SQL, nothing in this process told) and moves the members stamp.
    db.session.execute(sa.update(Membership).where(Membership.id == active[1].id)
                       .values(status=MemberStatus.DEACTIVATED).execution_options(synchronize_session=False))
    stamps.bump(db.session.connection(), [org.id], members=[org.id])
    db.session.commit()
    assert board_standings.ranked_count(org.id, Scope()) == total - 1 and len(counted) == 2
    db.session.commit()
    # A member's kind changed through the session moves the members stamp at commit.
    members_start = stamps.members_seen(org.id)
    db.session.commit()
    active[2].kind = MemberKind.EXTERNAL if active[2].kind == MemberKind.INTERNAL else MemberKind.INTERNAL
    db.session.commit()
    assert stamps.members_seen(org.id) != members_start


def test_uncommitted_changes_are_not_read_from_or_kept_in_memory(db, make, act, monkeypatch):
    rng = random.Random(5)
    org, members = _committed_world(rng, db, make, act, monkeypatch, events=20)
    window = _windows(rng, org)[3]
    me = next(m for m in members if m.status == MemberStatus.ACTIVE)
    kept = _read(org, window, me, {})
    act.points(me, 500, NOW)  # not committed yet: this transaction sees it, no stamp says so
    mine = _read(org, window, me, {})
    assert mine.me is not None and mine.me.points == (kept.me.points if kept.me else 0) + 500
    db.session.rollback()  # … and it never happened
    assert _shape(_read(org, window, me, {})) == _shape(kept)


def test_changes_not_flushed_yet_are_seen_as_the_session_would_see_them(db, make, act, monkeypatch):
    """Boards are read as the session's own queries are: what it holds and has not flushed is flushed first
    (autoflush), so a rename made a moment ago shows, and nothing read with it is kept."""
    rng = random.Random(6)
    org, members = _committed_world(rng, db, make, act, monkeypatch, events=20)
    window = _windows(rng, org)[0]
    me = next(m for m in members if m.status == MemberStatus.ACTIVE)
    kept = _read(org, window, me, {})
    me.user.name = "Aaa not flushed"
    assert _read(org, window, me, {}).me.name == "Aaa not flushed"
    db.session.rollback()
    assert _shape(_read(org, window, me, {})) == _shape(kept)


def test_the_stamp_is_written_by_the_committing_transaction_only(db, make, act):
    org = make.org()
    member = make.member(org)
    db.session.commit()
    start = stamps.current(org.id)
    act.points(member, 5, NOW)
    assert db.session.get(RollupStamp, org.id) is None or stamps.current(org.id) == start  # not before commit
    db.session.rollback()
    assert stamps.current(org.id) == start
    act.points(member, 5, NOW)
    db.session.commit()
    assert stamps.current(org.id) != start


def _overview_shape(org, window) -> tuple:
    """What the overview page shows from the rollups: totals, top posts and ambassadors, the series of both periods,
    the breakdowns and the engagement line."""
    report = overview.overview(org_id=org.id, window=window)
    scope = TrendScope(org_id=org.id)
    return (report.shares, report.clicks, report.points, report.sharing_ambassadors, report.ambassadors,
            report.top_posts, _shape(report.top_ambassadors), report.series,
            overview.clicks_by_network(org_id=org.id, window=window),
            trends.compare(org=org, scope=scope, window=window, current=report.series).previous,
            trends.breakdowns(scope=scope, window=window, network_labels={}, no_team="-"),
            engagement.compare_daily(org=org, scope=scope, window=window))


@pytest.mark.parametrize("seed", range(3))
def test_kept_overview_figures_equal_fresh_ones_after_any_event(seed, db, make, act, monkeypatch):
    rng = random.Random(seed)
    monkeypatch.setattr(test_rollups_property, "_when",
                        lambda r: NOW - timedelta(days=r.randint(0, 40), minutes=r.randint(0, 1439)))
    org, teams, members, _campaigns, posts = _world(rng, make, act)
    org_id = org.id
    monkeypatch.setattr("ambassador.services.analytics.rebuild.utcnow", lambda: NOW)
    _activity(rng, db, act, members, posts, 20)
    rebuild.rebuild_standings(org=org)
    db.session.commit()
    windows = _windows(rng, org)[1:4]
    for step in range(9):
        if step % 3 == 0:  # clicks alone (the click writer's bulk insert: no member row touched)
            member, post = rng.choice(members), rng.choice(posts)
            link = act.link(member, post, "x")
            click_writer.write_clicks([click_writer.PendingClick(link.id, org_id, member.id, "x", f"v{rng.random()}",
                                                                 "", NOW - timedelta(hours=i)) for i in range(3)],
                                      cap=3)
        elif step % 3 == 1:
            rng.choice(posts).title = f"Post {rng.random()}"  # titles are shown with the figures
        else:
            _event(rng, db, make, act, org, teams, members, posts)
        db.session.commit()
        org = db.session.get(Organization, org_id)
        for window in windows:
            read = _overview_shape(org, window)  # kept from before the event, were the stamp not moved on
            stamps.forget()
            board_cache.forget()
            assert read == _overview_shape(org, window), window.key
            assert read == _overview_shape(org, window), window.key  # now from memory


def test_a_post_renamed_shows_its_new_title_in_the_kept_top_posts(db, make, act, monkeypatch):
    rng = random.Random(7)
    org, members = _committed_world(rng, db, make, act, monkeypatch, events=30)
    window = _windows(rng, org)[0]  # all time
    listed = overview.top_posts(org_id=org.id, window=window)
    assert listed and overview.top_posts(org_id=org.id, window=window) == listed  # the second from memory
    post = db.session.get(Post, listed[0].post_id)
    post.title = "Renamed"
    db.session.commit()
    assert overview.top_posts(org_id=org.id, window=window)[0].title == "Renamed"


def test_members_at_zero_points_are_listed_by_their_current_names_and_teams(db, make, act, monkeypatch):
    """Members at 0 points are listed from the first members by name, kept under the members stamp: a rename,
    another email (shown when there is no name) or a team renamed moves it, so neither an old name, an old order
    nor an old team name is listed. (Each holds for a board computed afresh after any event.)"""
    monkeypatch.setattr("ambassador.services.analytics.rebuild.utcnow", lambda: NOW)
    board_cache.forget()
    board_standings.forget_counts()
    org = make.org()
    team = make.team(org, "Alpha")
    ann, bob, cas, dan = (make.member(org, name=name, teams=[team]) for name in ("Ann", "Bob", "Cas", "Dan"))
    db.session.commit()
    act.points(dan, 5, NOW)
    rebuild.rebuild_standings(org=org)
    db.session.commit()
    window = periods.all_time()

    def listed() -> list[tuple]:
        board = leaderboard.board(org_id=org.id, window=window, limit=4, team_id=team.id)
        db.session.commit()
        return [(row.name, row.points, row.teams) for row in board.rows]

    assert listed() == [("Dan", 5, ["Alpha"]), ("Ann", 0, ["Alpha"]), ("Bob", 0, ["Alpha"]), ("Cas", 0, ["Alpha"])]
    ann.user.name = "Zoe"
    db.session.commit()
    act.points(dan, 1, NOW)  # an event after it: the board is computed afresh again
    db.session.commit()
    assert listed() == [("Dan", 6, ["Alpha"]), ("Bob", 0, ["Alpha"]), ("Cas", 0, ["Alpha"]), ("Zoe", 0, ["Alpha"])]
    team.name = "Beta"
    db.session.commit()
    assert [teams for _name, _points, teams in listed()] == [["Beta"]] * 4
    cas.user.name = ""
    cas.user.email = "aaron@example.com"
    db.session.commit()
    assert [name for name, _points, _teams in listed()] == ["Dan", "aaron", "Bob", "Zoe"]
    members_start = stamps.members_seen(org.id)
    db.session.commit()
    act.points(bob, 2, NOW)  # events move only the stamp: the names read before are used again
    db.session.commit()
    assert stamps.members_seen(org.id) == members_start
    assert [name for name, _points, _teams in listed()] == ["Dan", "Bob", "aaron", "Zoe"]


def test_a_board_computed_afresh_settles_on_one_plan_of_its_viewer_read(db, make, act, monkeypatch):
    """PostgreSQL plans a prepared statement for each execution's values until a generic plan looks no dearer.
    The viewer's read with its read-ahead (board_viewer.py) is run for every board computed afresh; it looked
    dearer only because the histogram's scope values made custom plans expect fewer count rows, so it was
    planned on every view (1.7 ms of a 3.4 ms board at 100,000 members). Those values are hidden from the planner
    (standing_counts.counts_json), and the statement keeps one plan."""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's plan cache")
    rng = random.Random(5)
    org, members = _committed_world(rng, db, make, act, monkeypatch, events=40)
    window = _windows(rng, org)[1]
    # A larger organization beside it, analyzed: what makes a custom plan of this small one's values expect
    # fewer rows than the generic plan does (as at scale, where a narrow scope holds few of an org's counts).
    other = make.org()
    db.session.execute(sa.text(
        "INSERT INTO standing_count (org_id, \"window\", campaign_id, network, team_id, points, kind, members,"
        " shares, clicks, sharers) SELECT :org, w, 0, '', 0, p, 'internal', 1, 0, 0, 0"
        " FROM unnest(ARRAY['all', '7', '7p', '30', '30p']) AS w, generate_series(1, 6000) AS p"), {"org": other.id})
    db.session.execute(sa.text("ANALYZE standing_count"))
    db.session.commit()
    active = [m for m in members if m.status == MemberStatus.ACTIVE]
    scope = {"kind": active[0].kind, "network": "x", "team_id": active[0].teams[0].id if active[0].teams else None}
    for i in range(14):  # psycopg prepares on the 6th execution; PostgreSQL plans 5 times before it compares
        _read(org, window, active[i % len(active)], scope)
        stamps.bump(db.session.connection(), [org.id])
        db.session.commit()
    plans = db.session.execute(sa.text(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%standing_count%'"
        " AND statement LIKE '%rollup_stamp.version%'")).all()
    assert plans and all(generic > 0 for generic, _custom in plans), plans
