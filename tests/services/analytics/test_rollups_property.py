"""Property test: every board and total read from the rollups equals the same figure computed from the raw rows.

Random organizations (fixed seeds, many iterations) get ledger entries (negative ones too), shares in every
status (some published later, some moved back out of "published"), clicks through the click writer (with
its ledger points, bulk-inserted) and through the ORM, members in several teams, deactivated members, and
standings windows built part-way (so both the increments and the rebuilds are exercised). Then boards of
every window × team × kind × campaign × network, with the viewer's row and movement, are compared with
tests/services/analytics/raw_boards.py, and so are the overview's totals; the standing counts (members, shares,
clicks and sharers per points total: what ranks and the overview's team figures are summed from) equal the
standings they count.

Published API shares are also read back from the networks, stored as the engagement job stores them (rising and
falling figures, unknown ones, the same reading stored twice, posts deleted on the network): the rollups'
engagement per day equals the readings' increases computed here, and a rebuild from the snapshots gives the
cells the readings gave.
"""
from __future__ import annotations

import contextlib
import random
from collections import defaultdict
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from ambassador.extensions import db as app_db
from ambassador.models import (
    EngagementSnapshot,
    MemberKind,
    MemberStatus,
    RollupCell,
    RollupPostDay,
    RollupTeamDay,
    Share,
    ShareEngagement,
    ShareStatus,
    Standing,
    StandingCount,
    StandingQueued,
    utcnow,
)
from ambassador.providers.base import Engagement, MetricsResult
from ambassador.services.analytics import (
    content_stats,
    engagement,
    leaderboard,
    overview,
    periods,
    rebuild,
    scope_rollups,
    scopes,
    standing_queue,
    team_stats,
    trends,
)
from ambassador.services.analytics.trends import Scope
from ambassador.services.publishing import clicks as click_writer
from ambassador.services.publishing import metrics

from . import raw_boards

SEEDS = range(10)
NETWORKS = ("linkedin", "x", "facebook")
NOW = datetime(2026, 11, 20, 12, 0)


def _when(rng: random.Random) -> datetime:
    return NOW - timedelta(days=rng.randint(0, 200), minutes=rng.randint(0, 1439))


def _world(rng: random.Random, make, act):
    org = make.org(timezone=rng.choice(["Europe/Brussels", "UTC", "America/New_York"]))
    teams = [make.team(org), make.team(org)]
    members = []
    for i in range(rng.randint(4, 9)):
        kind = rng.choice([MemberKind.INTERNAL, MemberKind.EXTERNAL])
        status = MemberStatus.DEACTIVATED if rng.random() < 0.15 else MemberStatus.ACTIVE
        members.append(make.member(org, name=rng.choice(["Ann", "Bob", "Cas", f"M{i}"]), kind=kind, status=status,
                                   teams=rng.sample(teams, rng.randint(0, 2))))
    campaigns = [make.campaign(org), make.campaign(org)]
    posts = [make.post(rng.choice(campaigns)) for _ in range(3)]
    return org, teams, members, campaigns, posts


ENGAGEMENT = ("likes", "reposts", "replies", "quotes")


class Reading(NamedTuple):
    org_id: int
    share_id: int
    post_id: int
    network: str
    at: datetime
    figures: dict


def _read_back(rng: random.Random, db, share: Share, readings: list) -> None:
    """Readings of `share` stored as the engagement job stores them (metrics.store), each remembered in `readings`:
    figures rise and fall, some are unknown (None), a reading is sometimes stored twice (a retry: added once), and
    the post is sometimes deleted on the network."""
    share.external_id = f"p{share.id}"
    db.session.add(ShareEngagement(share_id=share.id, org_id=share.org_id, next_fetch_at=None))
    db.session.flush()
    due = [metrics.Due(share.id, share.external_id, share.published_at)]
    at, figures = share.published_at, dict.fromkeys((*ENGAGEMENT, "impressions"), 0)
    for _ in range(rng.randint(1, 6)):
        at += timedelta(hours=rng.randint(1, 40), minutes=rng.randint(0, 59))
        figures = {name: None if rng.random() < 0.1 else max(0, (value or 0) + rng.randint(-2, 9))
                   for name, value in figures.items()}
        result = MetricsResult(found={share.external_id: Engagement(**figures)})
        metrics.store(due, result, now=at)
        readings.append(Reading(share.org_id, share.id, share.post_id, share.network, at, dict(figures)))
        if rng.random() < 0.2:
            assert metrics.store(due, result, now=at) == {"already_read": 1}
    if rng.random() < 0.2:  # deleted on the network: its last figures stay, nothing is taken back
        metrics.store(due, MetricsResult(deleted={share.external_id}), now=at + timedelta(hours=1))
    db.session.flush()


def _activity(rng: random.Random, db, act, members, posts, count: int, readings: list | None = None) -> None:
    for _ in range(count):
        member, post, network = rng.choice(members), rng.choice(posts), rng.choice(NETWORKS)
        roll = rng.random()
        if roll < 0.35:
            act.points(member, rng.choice([1, 2, 5, 10, -3]), _when(rng))
        elif roll < 0.65:
            status = rng.choice([ShareStatus.SHARED, ShareStatus.PUBLISHED, ShareStatus.SCHEDULED,
                                 ShareStatus.FAILED])
            at = _when(rng)
            published = at + timedelta(days=rng.randint(0, 3)) if status == ShareStatus.PUBLISHED else None
            share = act.share(member, post, at, network=network, method="api" if published else "intent",
                              status=status, published_at=published)
            if published and readings is not None and rng.random() < 0.7:
                _read_back(rng, db, share, readings)
            if rng.random() < 0.1:  # a counted share that stops counting, or a scheduled one that goes out
                share.status = ShareStatus.FAILED if share.status in (ShareStatus.SHARED, ShareStatus.PUBLISHED) \
                    else ShareStatus.PUBLISHED
                share.published_at = share.published_at or at + timedelta(hours=5)
                db.session.flush()
        elif roll < 0.85:
            link = act.link(member, post, network)
            pending = [click_writer.PendingClick(link.id, member.org_id, member.id, network, f"v{rng.random()}", "",
                                                 _when(rng)) for _ in range(rng.randint(1, 3))]
            click_writer.write_clicks(pending, cap=3)
        else:
            act.click(member, post, _when(rng), network=network)
    db.session.flush()


def _windows(rng: random.Random, org) -> list[periods.Window]:
    windows = [periods.all_time(), periods.last_days(org, 7, now=NOW), periods.last_days(org, 30, now=NOW),
               periods.last_days(org, 90, now=NOW), periods.this_quarter(org, now=NOW)]
    first = NOW.date() - timedelta(days=rng.randint(0, 150))
    windows.append(periods.days_window(org, first, first + timedelta(days=rng.randint(0, 40))))
    return windows


def _check_board(db, org, evts, window, *, me, limit, **scope) -> None:
    expected, by_member, active = raw_boards.board(db.session, org, evts, first=window.first_day,
                                                   last=window.last_day, **scope)
    got = leaderboard.board(org_id=org.id, window=window, limit=limit, me_id=me.id, compare=True, **scope)
    context = (window.key, window.first_day, scope)
    assert got.total == len(expected), context
    assert [(r.membership_id, r.rank, r.points, r.shares, r.clicks) for r in got.rows] == [
        (r.membership_id, r.rank, r.points, r.shares, r.clicks) for r in expected[:limit]], context
    who = raw_boards.identities(db.session, org)
    assert [(r.name, r.kind, r.teams) for r in got.listed] == [who[r.membership_id] for r in got.listed], context
    if me.id in by_member:
        mine = by_member[me.id]
        assert got.me is not None and (got.me.name, got.me.kind, got.me.teams) == who[me.id], context
        assert got.me is not None and (got.me.rank, got.me.points, got.me.shares, got.me.clicks) == (
            mine.rank, mine.points, mine.shares, mine.clicks), context
    else:
        assert got.me is None, context
    before = periods.previous(org, window)
    if before is None:
        return
    _rows, then, was_active = raw_boards.board(db.session, org, evts, first=before.first_day, last=before.last_day,
                                               **scope)
    for row in got.listed:
        assert row.previous_rank == (then[row.membership_id].rank if row.membership_id in was_active else None), (
            context, row.membership_id)


def _check_overview(db, org, evts, window, readings: list) -> None:
    report = overview.overview(org_id=org.id, window=window)
    sums, _active = raw_boards.totals(evts, first=window.first_day, last=window.last_day, campaign_id=None,
                                      network=None)
    assert (report.points, report.shares, report.clicks) == tuple(
        sum(row[i] for row in sums.values()) for i in range(3)), window.key
    if window.bounded:
        assert sum(day.shares for day in report.series) == report.shares
        assert sum(day.clicks for day in report.series) == report.clicks
        # The overview's engagement line: per day, what that day's readings added (shares of any day).
        alive = set(db.session.scalars(sa.select(Share.id).where(Share.org_id == org.id)))
        mine = [r for r in readings if r.share_id in alive]
        per_day: dict = defaultdict(int)
        for (day, _post, _network), gain in _gains(org, mine).items():
            per_day[day] += gain
        days = engagement.daily(scope=Scope(org_id=org.id), window=window)
        assert days.known == any(r.at < window.end for r in mine), window.key
        assert days.days == [per_day.get(day, 0) for day in window.days], window.key


def _scopes(rng: random.Random, teams, campaigns) -> list[dict]:
    options = []
    for _ in range(6):
        options.append({"team_id": rng.choice([None, teams[0].id, teams[1].id]),
                        "kind": rng.choice([None, MemberKind.INTERNAL, MemberKind.EXTERNAL]),
                        "campaign_id": rng.choice([None, campaigns[0].id, campaigns[1].id]),
                        "network": rng.choice([None, *NETWORKS])})
    return [{}, *options]


@pytest.mark.parametrize("seed", SEEDS)
def test_boards_from_rollups_equal_boards_from_raw_rows(seed, db, make, act, monkeypatch):
    rng = random.Random(seed)
    monkeypatch.setattr("ambassador.services.analytics.rebuild.utcnow", lambda: NOW)
    org, teams, members, campaigns, posts = _world(rng, make, act)
    windows = _windows(rng, org)
    readings: list[Reading] = []
    _activity(rng, db, act, members, posts, rng.randint(10, 40), readings)
    if seed % 3:  # standings built part-way: the rest arrives as increments
        rebuild.rebuild_standings(org=org)
    if seed % 2:  # the custom range looked at: the worker keeps standings for it and its previous period
        leaderboard.remember_range(org_id=org.id, window=windows[-1])
        rebuild.roll_standings(org=org, now=NOW)
        assert (leaderboard.standing_key(org_id=org.id, window=windows[-1]) or "").startswith("d:")
    # Half the seeds: the second burst's standings queued, as the publishing worker's recorder queues them, and
    # added after the member and team changes below (and, for some, after a rebuild that drops them).
    defer = seed % 4 < 2
    active = next((m for m in members if m.status == MemberStatus.ACTIVE), None)
    with standing_queue.deferred() if defer else contextlib.nullcontext():
        _activity(rng, db, act, members, posts, rng.randint(10, 40), readings)
        if active is not None:
            act.points(active, 7, NOW - timedelta(days=1))
    if defer and seed % 4 == 1:
        rebuild.rebuild_standings(org=org)
    if active is not None:  # their teams change while their points are queued: rebuilt from the cells
        active.teams = [] if active.teams else [teams[1]]
        db.session.flush()
    if seed % 3 == 2:  # a member's team and kind change, another is deactivated, one leaves, a team goes
        members[0].teams = [teams[1]]
        members[0].kind = MemberKind.EXTERNAL if members[0].kind == MemberKind.INTERNAL else MemberKind.INTERNAL
        members[1].status = MemberStatus.DEACTIVATED
        db.session.delete(members.pop(2))
        db.session.flush()
        db.session.delete(teams[0])
        db.session.flush()
        db.session.expire_all()
        teams[0] = make.team(org)
    if defer:
        queued = db.session.scalar(sa.select(sa.func.count()).select_from(StandingQueued))
        built = seed % 3 or seed % 2
        assert (queued > 0) if built and seed % 4 == 0 else queued == 0  # (a rebuild drops what is queued)
        rebuild.add_queued_standings()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StandingQueued)) == 0
    _check_counts(db, org)
    evts = raw_boards.events(db.session, org)
    for window in windows:
        for scope in _scopes(rng, teams, campaigns):
            _check_board(db, org, evts, window, me=rng.choice(members), limit=rng.choice([1, 3, 20]), **scope)
        if window.key != "all":
            _check_overview(db, org, evts, window, readings)
        _check_teams(org, teams, window, monkeypatch)
        _check_top_ambassadors(org, posts, campaigns, window)


def _team_figures(scope: Scope, window: periods.Window) -> tuple:
    return (trends.daily(scope=scope, window=window), trends.by_network(scope=scope, window=window, labels={}),
            trends.by_campaign(scope=scope, window=window, limit=None), engagement.daily(scope=scope, window=window))


def _check_teams(org, teams, window: periods.Window, monkeypatch) -> None:
    """A team's days, networks, campaigns and engagement per day read from the team totals equal the same figures
    read from its active members' raw shares, clicks and readings (after members moved between teams, were
    deactivated or left, and a team was deleted); its top ambassadors read from its standings (when the window is
    kept) equal those ranked from the raw rows."""
    for team in teams:
        scope = Scope(org_id=org.id, team_id=team.id)
        kept = _team_figures(scope, window)
        with monkeypatch.context() as raw_rows:
            raw_rows.setattr(scope_rollups, "covers", lambda _scope: False)
            assert kept == _team_figures(scope, window), (window.key, team.id)
        for limit in (1, 3, 20):
            assert team_stats.top_ambassadors(scope=scope, window=window, limit=limit) == _all_ambassadors(
                scope, window)[:limit], (window.key, team.id, limit)


def _all_ambassadors(scope: Scope, window: periods.Window) -> list:
    return [content_stats.ambassador_stat(row)
            for row in app_db.session.execute(content_stats.ambassadors_query(scope=scope, window=window))]


def _check_top_ambassadors(org, posts, campaigns, window: periods.Window) -> None:
    """A page's top ambassadors (those placed within the first N by clicks and shares, then ordered by name) are
    the first N of every ambassador in order (ties on clicks and shares included: members share names here)."""
    for scope in (Scope(org_id=org.id, post_id=posts[0].id),
                  scopes.campaign_scope(org_id=org.id, campaign_id=campaigns[0].id)):
        every = _all_ambassadors(scope, window)
        for limit in (1, 2, 3, 20):
            assert content_stats.top_ambassadors(scope=scope, window=window, limit=limit) == every[:limit], (
                window.key, scope, limit)


def _counts(db, org) -> tuple[dict, dict]:
    """(the standing counts kept, the same counted from the standings): {(window, campaign, network, team, points,
    kind): (members, shares, clicks, sharers)}, counts at 0 left out."""
    keys = ("window", "campaign_id", "network", "team_id", "points", "kind")
    kept = {tuple(r[:6]): tuple(r[6:]) for r in db.session.execute(
        sa.select(*(getattr(StandingCount, k) for k in keys), StandingCount.members, StandingCount.shares,
                  StandingCount.clicks, StandingCount.sharers)
        .where(StandingCount.org_id == org.id, StandingCount.members != 0))}
    columns = [getattr(Standing, k) for k in keys]
    counted = {tuple(r[:6]): tuple(r[6:]) for r in db.session.execute(
        sa.select(*columns, sa.func.count(), sa.func.sum(Standing.shares), sa.func.sum(Standing.clicks),
                  sa.func.count(sa.case((Standing.shares > 0, 1))))
        .where(Standing.org_id == org.id).group_by(*columns))}
    return kept, counted


def _check_counts(db, org) -> None:
    kept, counted = _counts(db, org)
    assert kept == counted


def _gains(org, readings: list) -> dict[tuple, int]:
    """{(org-local day, post, network): engagement gained}: each reading's likes + reposts + replies + quotes (unknown
    ones adding nothing) less its share's previous reading's (the first whole), on the org-local day it was taken —
    from the test's own list of readings."""
    zone = ZoneInfo(org.timezone or "UTC")
    previous: dict[int, int] = {}
    out: dict[tuple, int] = defaultdict(int)
    for reading in readings:
        if reading.org_id != org.id:
            continue
        total = sum(reading.figures[name] or 0 for name in ENGAGEMENT)
        day = reading.at.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).date()
        out[(day, reading.post_id, reading.network)] += total - previous.get(reading.share_id, 0)
        previous[reading.share_id] = total
    return {key: gain for key, gain in out.items() if gain}


def _snapshot(db, org) -> dict:
    def rows(model, keys, values):
        table = model.__table__
        return {tuple(r[:len(keys)]): tuple(r[len(keys):]) for r in db.session.execute(
            sa.select(*(table.c[k] for k in keys), *(table.c[v] for v in values)).where(table.c.org_id == org.id))
            if any(r[len(keys):])}

    return {
        "cells": rows(RollupCell, ("day", "membership_id", "post_id", "network", "campaign_id"),
                      ("points", "shares", "clicks", "engagement", "reach")),
        "post_days": rows(RollupPostDay, ("day", "post_id", "network"),
                          ("points", "shares", "clicks", "engagement", "reach")),
        "team_days": rows(RollupTeamDay, ("day", "team_id", "campaign_id", "network"),
                          ("points", "shares", "clicks", "engagement")),
        "standings": rows(Standing, ("window", "campaign_id", "network", "team_id", "membership_id", "kind"),
                          ("points", "shares", "clicks")),
        # At 0 points: standings whose sums came back to 0 stay until a rebuild (left out above too).
        "counts": {key: n for key, n in _counts(db, org)[0].items() if key[4] != 0},
    }


@pytest.mark.parametrize("seed", range(4))
def test_rebuild_equals_incremental(seed, db, make, act, monkeypatch):
    rng = random.Random(100 + seed)
    monkeypatch.setattr("ambassador.services.analytics.rebuild.utcnow", lambda: NOW)
    org, _teams, members, _campaigns, posts = _world(rng, make, act)
    rebuild.rebuild_standings(org=org, today=NOW.date())
    readings: list[Reading] = []
    _activity(rng, db, act, members, posts, 60, readings)
    incremental = _snapshot(db, org)
    assert incremental["cells"] and incremental["standings"] and incremental["counts"] and readings
    assert incremental["team_days"]
    _check_counts(db, org)
    # What the engagement job added is each reading's increase on its day (computed from the test's readings);
    # potential reach is not kept in the rollups (unknown, never 0).
    assert {key: row[3] for key, row in incremental["post_days"].items() if row[3]} == _gains(org, readings)
    assert all(row[4] is None for table in ("cells", "post_days") for row in incremental[table].values())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EngagementSnapshot)
                             .where(EngagementSnapshot.org_id == org.id)) <= len(readings)
    # Rollups lost (or from before the engagement job fed them): the rebuild sums everything again, engagement
    # from the snapshots.
    for model in (RollupCell, RollupPostDay, RollupTeamDay):
        db.session.execute(sa.delete(model).where(model.org_id == org.id))
    for batch in rebuild.batches(org, days=rng.choice([1, 7, 31])):
        rebuild.rebuild_batch(org=org, batch=batch)
    rebuild.rebuild_standings(org=org, today=NOW.date())
    assert _snapshot(db, org) == incremental
    # Again: the rebuild is idempotent.
    for batch in rebuild.batches(org):
        rebuild.rebuild_batch(org=org, batch=batch)
    assert _snapshot(db, org) == incremental


def test_retried_events_are_not_counted_twice(db, make, act, monkeypatch):
    from ambassador.services.community import points
    from ambassador.services.publishing import sharing

    org = make.org(points_share=5, points_click=1)
    member = make.member(org, name="Ann")
    post = make.post(make.campaign(org))
    rebuild.rebuild_standings(org=org)
    result = sharing.share_post(membership=member, post=post, network="x", caption=None)
    points.award_share(share=result.share)  # the award retried: paid once
    pending = [click_writer.PendingClick(result.link.id, org.id, member.id, "x", f"visitor-{i}", "", utcnow())
               for i in range(3)]
    assert click_writer.write_clicks(pending, cap=3) == 3
    assert click_writer.write_clicks(pending, cap=3) == 0  # the batch flushed twice
    share = db.session.get(Share, result.share.id)
    share.status = ShareStatus.SHARED  # re-recorded with the status it has
    db.session.flush()
    for window in (periods.all_time(), periods.last_days(org, 7)):
        row = leaderboard.board(org_id=org.id, window=window).rows[0]
        assert (row.points, row.shares, row.clicks) == (5 + 3, 1, 3)
    assert leaderboard.standing_key(org_id=org.id, window=periods.all_time()) == "all"
    assert db.session.scalar(sa.select(sa.func.sum(RollupPostDay.clicks)).where(RollupPostDay.org_id == org.id)) == 3
