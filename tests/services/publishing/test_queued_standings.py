"""The publishing worker queues its published shares' additions to the standings and adds them within seconds
(services/analytics/standing_queue.py): a board counts them once they are added, a member's shares are added
together, and nothing is left queued when the worker's job ends."""
from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from ambassador.jobs import definitions, publisher, tasks
from ambassador.models import Standing, StandingQueued
from ambassador.services.analytics import leaderboard, periods, rebuild
from ambassador.services.publishing import dispatch, leases

from .fakes import account, due_share

WORKER = "test-worker"


@pytest.fixture(autouse=True)
def inline_publishing(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLISH_THREADS", 1)  # the test's session shares one connection


def _queued(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(StandingQueued))


def _points(org) -> dict[str, int]:
    board = leaderboard.board(org_id=org.id, window=periods.all_time())
    return {row.name: row.points for row in board.rows}


def _org_with_standings(db, make, names):
    org = make.org(points_share=5, daily_share_points_cap=100, timezone="UTC")
    members = [make.member(org, name=name) for name in names]
    rebuild.rebuild_standings(org=org)
    db.session.commit()
    return org, members


def test_the_recorder_queues_and_the_board_counts_the_shares_once_added(db, make, network):
    org, (ann, bob) = _org_with_standings(db, make, ["Ann", "Bob"])
    campaign = make.campaign(org)
    shares = [due_share(member, make.post(campaign), account(db, member)) for member in (ann, ann, bob)]
    db.session.commit()
    assert sorted(leases.claim_due_shares(worker_id=WORKER, limit=10)) == sorted(s.id for s in shares)
    ready, _ = dispatch.prepare([s.id for s in shares], worker_id=WORKER)
    sent = [dispatch.send(outbound) for outbound in ready]
    assert set(dispatch.record_outcomes(sent, worker_id=WORKER, queue_standings=True).values()) == {"published"}
    queued = _queued(db)
    # One row per member and window holding today (all time, 7, 30, 90 days, this quarter): Ann's two shares
    # (one campaign, one network) in one.
    per_member = dict(db.session.execute(sa.select(StandingQueued.membership_id, sa.func.count())
                                         .group_by(StandingQueued.membership_id)).all())
    assert per_member == {ann.id: 5, bob.id: 5} and queued == 10
    assert _points(org) == {"Ann": 0, "Bob": 0}  # the points are in the ledger, not on the board yet
    assert dispatch.add_queued_standings() == queued
    assert _queued(db) == 0 and _points(org) == {"Ann": 10, "Bob": 5}
    # Ann's two shares were one queued row per window and scope: added once each.
    rows = db.session.scalars(sa.select(StandingQueued)).all()
    assert rows == []
    every = db.session.scalar(sa.select(Standing.points).where(
        Standing.membership_id == ann.id, Standing.window == "all", Standing.team_id == 0, Standing.campaign_id == 0,
        Standing.network == ""))
    assert every == 10


def test_nothing_is_left_queued_when_the_workers_job_ends(db, make, network):
    org, (ann,) = _org_with_standings(db, make, ["Ann"])
    campaign = make.campaign(org)
    for _ in range(3):
        due_share(ann, make.post(campaign), account(db, ann))
    db.session.commit()
    counts = tasks.dispatch_due_shares()
    assert counts["published"] == 3 and counts["standings_added"] > 0
    assert _queued(db) == 0 and _points(org) == {"Ann": 15}


def test_the_job_adds_what_a_worker_left(db, make, network):
    org, (ann,) = _org_with_standings(db, make, ["Ann"])
    share = due_share(ann, make.post(make.campaign(org)), account(db, ann))
    db.session.commit()
    leases.claim_due_shares(worker_id=WORKER, limit=1)
    ready, _ = dispatch.prepare([share.id], worker_id=WORKER)
    dispatch.record_outcomes([dispatch.send(ready[0])], worker_id=WORKER, queue_standings=True)
    assert _queued(db) > 0  # the worker stopped before adding them
    assert tasks.add_queued_standings()["added"] > 0
    assert _queued(db) == 0 and _points(org) == {"Ann": 5}
    assert definitions.by_name("add_queued_standings").interval({}) == 5
    assert publisher.STANDINGS_INTERVAL_SECONDS <= 2


def test_a_rebuilt_window_and_a_dropped_range_drop_their_queued_rows(db, make, network, monkeypatch):
    org, (ann,) = _org_with_standings(db, make, ["Ann"])
    now = datetime.utcnow()
    monkeypatch.setattr("ambassador.services.analytics.standings.utcnow", lambda: now)
    share = due_share(ann, make.post(make.campaign(org)), account(db, ann))
    db.session.commit()
    leases.claim_due_shares(worker_id=WORKER, limit=1)
    ready, _ = dispatch.prepare([share.id], worker_id=WORKER)
    dispatch.record_outcomes([dispatch.send(ready[0])], worker_id=WORKER, queue_standings=True)
    windows = set(db.session.scalars(sa.select(StandingQueued.window)))
    assert {"all", "7", "30", "90", "quarter"} <= windows
    rebuild.rebuild_standings(org=org)  # from the cells, which hold the share already
    assert _queued(db) == 0 and _points(org) == {"Ann": 5}
