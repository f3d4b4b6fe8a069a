"""The click sink: the web process queues clicks in the inbox, the worker's drain counts them once.

Runs on the suite's database (SQLite, or PostgreSQL with TEST_DATABASE_URL); the tests that need real
commits (a failed batch, a stop between batches) use an app and a database of their own.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.extensions import db as _db
from ambassador.infra.click_buffer import ClickBuffer
from ambassador.jobs import tasks
from ambassador.models import Click, ClickInbox, PointsEntry, RollupCell, TrackedLink, utcnow
from ambassador.services.analytics import leaderboard, periods, rebuild
from ambassador.services.publishing import click_sink
from ambassador.services.publishing.clicks import PendingClick, pending_click, visitor_hash
from ambassador.services.publishing.tracked_links import resolve

from ...processes import ROOT, Web, environment, request
from ..publishing.test_tracked_links import make_link

CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/124.0.0.0 Safari/537.36")


def pend(link, visitor: str, at=None) -> PendingClick:
    return pending_click(resolve(link.code), salt="s", ip=visitor, at=at or utcnow() - timedelta(minutes=5))


def count(session, model, **where) -> int:
    q = sa.select(sa.func.count()).select_from(model)
    for name, value in where.items():
        q = q.where(getattr(model, name) == value)
    return session.scalar(q)


def raw_figures(session, org_id: int) -> dict[int, tuple[int, int]]:
    """{member: (points, clicks)} straight from the ledger and the click rows."""
    points = dict(session.execute(sa.select(PointsEntry.membership_id, sa.func.sum(PointsEntry.points))
                                  .where(PointsEntry.org_id == org_id).group_by(PointsEntry.membership_id)).all())
    clicks = dict(session.execute(sa.select(TrackedLink.membership_id, sa.func.count(Click.id))
                                  .join(Click, Click.tracked_link_id == TrackedLink.id)
                                  .where(Click.org_id == org_id).group_by(TrackedLink.membership_id)).all())
    return {m: (points.get(m, 0), clicks.get(m, 0)) for m in set(points) | set(clicks)}


def board_figures(org_id: int) -> dict[int, tuple[int, int]]:
    rows = leaderboard.board(org_id=org_id, window=periods.all_time(), limit=None).rows
    return {r.membership_id: (r.points, r.clicks) for r in rows if r.points or r.clicks}


def test_queued_clicks_are_counted_once_when_drained(make, db):
    org = make.org(points_click=2, daily_click_points_cap=100)
    rebuild.rebuild_standings(org=org)
    ann, bob = make.member(org, name="Ann"), make.member(org, name="Bob")
    link_a, link_b = make_link(make, org=org, member=ann), make_link(make, org=org, member=bob, network="x")
    queued = [pend(link_a, "198.51.100.1"), pend(link_a, "198.51.100.2"),
              pend(link_a, "198.51.100.1"),  # a repeat within the hour: not counted
              pend(link_b, "198.51.100.1"), pend(link_b, "198.51.100.3")]
    assert click_sink.append(queued) == 5
    assert count(db.session, ClickInbox) == 5 and count(db.session, Click) == 0  # nothing counted yet

    assert tasks.drain_clicks() == {"batches": 1, "taken": 5, "stored": 4}
    assert count(db.session, ClickInbox) == 0
    assert count(db.session, Click, tracked_link_id=link_a.id) == 2
    assert count(db.session, Click, tracked_link_id=link_b.id) == 2
    # Points and rollups follow the clicks: the board says what the raw rows say.
    assert raw_figures(db.session, org.id) == {ann.id: (4, 2), bob.id: (4, 2)}
    assert board_figures(org.id) == raw_figures(db.session, org.id)
    assert tasks.drain_clicks() == {"batches": 1, "taken": 0, "stored": 0}  # an empty inbox: nothing to do


def test_the_same_clicks_queued_twice_count_once(make, db):
    """A redelivered batch (a flush retried after its commit was in fact made) adds nothing."""
    org = make.org(points_click=1, daily_click_points_cap=100)
    rebuild.rebuild_standings(org=org)
    member = make.member(org)
    link = make_link(make, org=org, member=member)
    batch = [pend(link, f"203.0.113.{i}") for i in range(6)]
    click_sink.append(batch)
    tasks.drain_clicks()
    click_sink.append(batch)
    assert tasks.drain_clicks() == {"batches": 1, "taken": 6, "stored": 0}
    assert raw_figures(db.session, org.id) == {member.id: (6, 6)}
    assert board_figures(org.id) == raw_figures(db.session, org.id)
    assert db.session.scalar(sa.select(sa.func.sum(RollupCell.clicks)).where(RollupCell.org_id == org.id)) == 6


def test_drained_batch_by_batch_in_order_and_the_daily_cap_holds(make, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "CLICK_DRAIN_BATCH", 2)
    link = make_link(make)
    start = utcnow().replace(hour=0, minute=5, second=0, microsecond=0)
    # One visitor every 65 minutes on one UTC day: the cap (3 a day) counts the first three.
    click_sink.append([pend(link, "198.51.100.9", at=start + timedelta(minutes=65 * i)) for i in range(7)])
    assert tasks.drain_clicks() == {"batches": 4, "taken": 7, "stored": 3}
    assert count(db.session, Click, tracked_link_id=link.id) == 3


def test_a_click_on_a_link_deleted_meanwhile_is_dropped(make, db):
    link = make_link(make)
    click = pend(link, "198.51.100.4")
    db.session.delete(link)
    db.session.flush()
    click_sink.append([click])
    assert tasks.drain_clicks() == {"batches": 1, "taken": 1, "stored": 0}
    assert count(db.session, ClickInbox) == 0


# --- with real commits ----------------------------------------------------------------------------------------


@pytest.fixture
def sink_app(own_app):
    """An app on a database of its own, its click buffer in production mode (flushed by hand)."""
    own_app.config.update(CLICK_BUFFER_SYNC=False, CLICK_FLUSH_INTERVAL=3600, CLICK_FLUSH_BATCH=1000)
    return own_app


def seed_links(app, n_links: int = 3) -> list[int]:
    """An org with points for clicks and `n_links` links of one member each; returns the link ids."""
    from tests.factories import Factory

    with app.app_context():
        make = Factory(_db)
        org = make.org(points_click=1, daily_click_points_cap=1000)
        links = [make_link(make, org=org, member=make.member(org)) for _ in range(n_links)]
        _db.session.commit()
        rebuild.rebuild_standings(org=_db.session.get(type(org), org.id))
        _db.session.commit()
        return [link.id for link in links]


def clicks_for(app, link_ids: list[int], n: int, *, first: int = 0) -> list[PendingClick]:
    with app.app_context():
        links = [_db.session.get(TrackedLink, link_id) for link_id in link_ids]
        return [pend(links[i % len(links)], f"2001:db8:{(first + i) // 65536:x}:{(first + i) % 65536:x}::1")
                for i in range(n)]


def state(app) -> dict:
    with app.app_context():
        org_id = _db.session.scalar(sa.select(Click.org_id).limit(1))
        found = {"inbox": count(_db.session, ClickInbox), "clicks": count(_db.session, Click),
                 "points": _db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(PointsEntry.points), 0))),
                 "rollup_clicks": _db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(RollupCell.clicks), 0))),
                 "board_equals_raw": org_id is None or board_figures(org_id) == raw_figures(_db.session, org_id)}
        _db.session.rollback()
        return found


def run_drain(app) -> dict:
    from ambassador.jobs.definitions import by_name
    from ambassador.jobs.worker import run_job

    return run_job(app, by_name("drain_clicks"))


def test_a_batch_that_fails_is_rolled_back_whole_and_counted_once_on_retry(sink_app, monkeypatch):
    link_ids = seed_links(sink_app)
    with sink_app.app_context():
        click_sink.append(clicks_for(sink_app, link_ids, 30))
        _db.session.commit()

    from ambassador.services.community import points

    award = points.award_clicks

    def award_then_fail(awards):
        award(awards)  # clicks inserted, points written, rollups updated… then the batch fails
        raise sa.exc.OperationalError("INSERT", {}, Exception("connection lost"))

    monkeypatch.setattr(points, "award_clicks", award_then_fail)
    with pytest.raises(sa.exc.OperationalError):
        run_drain(sink_app)
    assert state(sink_app) == {"inbox": 30, "clicks": 0, "points": 0, "rollup_clicks": 0, "board_equals_raw": True}

    monkeypatch.setattr(points, "award_clicks", award)
    assert run_drain(sink_app) == {"batches": 1, "taken": 30, "stored": 30}
    assert run_drain(sink_app) == {"batches": 1, "taken": 0, "stored": 0}
    assert state(sink_app) == {"inbox": 0, "clicks": 30, "points": 30, "rollup_clicks": 30, "board_equals_raw": True}


def test_a_graceful_stop_loses_nothing(sink_app, monkeypatch):
    """The web process's buffer is flushed into the inbox at shutdown; a worker asked to stop finishes its
    batch and leaves the rest in the inbox for the next run."""
    link_ids = seed_links(sink_app)
    buffer = ClickBuffer(sink_app, write=click_sink.append)
    for click in clicks_for(sink_app, link_ids, 250):
        buffer.submit(click)
    assert state(sink_app)["inbox"] == 0  # all in the process's memory
    assert buffer.shutdown() == 250  # gunicorn's worker_exit
    assert state(sink_app)["inbox"] == 250

    sink_app.config["CLICK_DRAIN_BATCH"] = 100
    original = click_sink.drain_batch

    def stop_after_one(limit=None):
        drained = original(limit)
        tasks.shutdown_requested.set()  # SIGTERM arrives while the first batch is being counted
        return drained

    monkeypatch.setattr(click_sink, "drain_batch", stop_after_one)
    try:
        assert run_drain(sink_app) == {"batches": 1, "taken": 100, "stored": 100}
    finally:
        tasks.shutdown_requested.clear()
    assert state(sink_app)["inbox"] == 150 and state(sink_app)["clicks"] == 100

    monkeypatch.setattr(click_sink, "drain_batch", original)
    assert run_drain(sink_app) == {"batches": 2, "taken": 150, "stored": 150}
    assert state(sink_app) == {"inbox": 0, "clicks": 250, "points": 250, "rollup_clicks": 250,
                               "board_equals_raw": True}


# --- gunicorn as in production ----------------------------------------------------------------------------------


def codes(app, link_ids: list[int]) -> list[str]:
    with app.app_context():
        return [_db.session.get(TrackedLink, link_id).code for link_id in link_ids]


def click_through(web, codes_: list[str], visitors: range) -> None:
    """One redirect per visitor (a new address each), links in turn: every one is a click that counts."""
    for n in visitors:
        status, headers, _ = request(web.port, f"/s/{codes_[n % len(codes_)]}",
                                     headers={"User-Agent": CHROME, "X-Forwarded-For": f"203.0.{n // 256}.{n % 256}"})
        assert status == 302, (status, web.log())


def test_gunicorn_stopped_gracefully_loses_no_click(sink_app, tmp_path):
    link_ids = seed_links(sink_app)
    web = Web(sink_app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "web.log", workers=2, TRUSTED_PROXIES=1,
              CLICK_FLUSH_INTERVAL=3600)  # no flush before the stop: the exit flush writes them all
    try:
        click_through(web, codes(sink_app, link_ids), range(60))
        assert state(sink_app)["inbox"] == 0
    finally:
        assert web.stop(signal.SIGTERM) == 0
    assert state(sink_app)["inbox"] == 60
    run_drain(sink_app)
    assert state(sink_app) == {"inbox": 0, "clicks": 60, "points": 60, "rollup_clicks": 60, "board_equals_raw": True}


def test_a_web_process_killed_loses_at_most_the_clicks_of_its_last_flush_interval(sink_app, tmp_path):
    """SIGKILL: the clicks a web process received more than CLICK_FLUSH_INTERVAL (+ one flush) before are in
    the inbox; only the later ones may be lost. (Here: 0.2 s interval, clicks of 1 s before all kept.)"""
    link_ids = seed_links(sink_app)
    web = Web(sink_app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "web.log", workers=1, TRUSTED_PROXIES=1,
              CLICK_FLUSH_INTERVAL=0.2)
    try:
        links = codes(sink_app, link_ids)
        click_through(web, links, range(40))
        time.sleep(1.0)
        click_through(web, links, range(40, 80))  # the last ones: may be in the buffer at the kill
        (pid,) = web.worker_pids()
        os.kill(pid, signal.SIGKILL)
    finally:
        web.stop(signal.SIGTERM)
    run_drain(sink_app)
    found = state(sink_app)
    assert 40 <= found["clicks"] <= 80 and found["inbox"] == 0
    assert found["points"] == found["rollup_clicks"] == found["clicks"] and found["board_equals_raw"]
    with sink_app.app_context():  # every click of the first second is there
        hashes = set(_db.session.scalars(sa.select(Click.visitor_hash)))
    assert all(visitor_hash(salt="processes-salt", ip=f"203.0.0.{n}") in hashes for n in range(40))


def test_a_worker_killed_mid_batch_loses_nothing_and_counts_nothing_twice(sink_app, tmp_path):
    """The drain's batch is one transaction: a worker killed (SIGKILL) before its commit leaves the inbox
    as it was; the next drain counts every click once."""
    link_ids = seed_links(sink_app)
    with sink_app.app_context():
        click_sink.append(clicks_for(sink_app, link_ids, 50))
        _db.session.commit()
    script = ("import os, signal\n"
              "from wsgi import app\n"
              "from ambassador.services.publishing import click_sink\n"
              "with app.app_context():\n"
              "    print(click_sink.drain_batch(), flush=True)\n"
              "    os.kill(os.getpid(), signal.SIGKILL)  # killed before the commit\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env=environment(sink_app.config["SQLALCHEMY_DATABASE_URI"]))
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert "Drained(taken=50, stored=50)" in done.stdout
    assert state(sink_app)["inbox"] == 50 and state(sink_app)["clicks"] == 0
    assert run_drain(sink_app) == {"batches": 1, "taken": 50, "stored": 50}
    assert state(sink_app) == {"inbox": 0, "clicks": 50, "points": 50, "rollup_clicks": 50, "board_equals_raw": True}


def test_a_batch_the_database_refuses_raises_as_sqlalchemy_errors_do_and_stays_in_the_buffer(sink_app, monkeypatch):
    """PostgreSQL's COPY bypasses SQLAlchemy: its errors are raised as SQLAlchemy's (the buffer retries those
    with backoff), and the batch stays in the buffer for its next round (here: a value too long for its column)."""
    if sink_app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite does not enforce string lengths")
    monkeypatch.setattr("ambassador.infra.click_buffer.WRITE_ATTEMPTS", 1)
    link_ids = seed_links(sink_app, 1)
    bad = clicks_for(sink_app, link_ids, 1)[0]._replace(network="x" * 40)  # network is String(16)
    with sink_app.app_context(), pytest.raises(sa.exc.DBAPIError):
        click_sink.append([bad])
    buffer = ClickBuffer(sink_app, write=click_sink.append)
    buffer._start = lambda: None  # no flusher thread: flush by hand
    buffer.submit(bad)
    assert buffer.flush() == 0 and len(buffer) == 1 and state(sink_app)["inbox"] == 0
