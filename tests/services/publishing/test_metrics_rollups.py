"""The engagement job feeds the rollups in the transaction that stores a snapshot (services/publishing/metrics.py,
services/analytics/rollups.py): each new reading's increase on the org-local day it was taken, once — a reading
stored again adds nothing, a post deleted on the network keeps its last figures — and a rebuild from the snapshots
gives the same cells. Expected figures are computed here from the readings the test scripted."""
from __future__ import annotations

import threading
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ambassador.models import (
    EngagementSnapshot,
    Organization,
    RollupCell,
    RollupPostDay,
    Share,
    ShareEngagement,
    utcnow,
)
from ambassador.providers.base import Engagement, MetricsResult
from ambassador.services.analytics import rebuild
from ambassador.services.publishing import metrics

from .fakes import account
from .metrics_fakes import published

ZONE = "America/New_York"  # readings late in the UTC day fall on the day before, locally


def _run(now: datetime) -> dict:
    counts: dict = defaultdict(int)
    for account_id, share_ids in metrics.claim_due(limit=100, now=now).items():
        for key, value in metrics.fetch_for_account(account_id, share_ids, now=now).items():
            counts[key] += value
    return dict(counts)


def _total(figures: Engagement) -> int:
    return sum(getattr(figures, name) or 0 for name in ("likes", "reposts", "replies", "quotes"))


def _local(at: datetime) -> date:
    return at.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(ZONE)).date()


def _expected(share: Share, readings: list[tuple[datetime, Engagement]]) -> dict[tuple, int]:
    """{(day, member, post, network): gain}: each reading's total less the previous one, on its local day."""
    out: dict[tuple, int] = defaultdict(int)
    before = 0
    for at, figures in readings:
        out[(_local(at), share.membership_id, share.post_id, share.network)] += _total(figures) - before
        before = _total(figures)
    return {key: gain for key, gain in out.items() if gain}


def _cells(db, org_id: int) -> dict[tuple, int]:
    return {(r.day, r.membership_id, r.post_id, r.network): r.engagement for r in db.session.execute(
        sa.select(RollupCell).where(RollupCell.org_id == org_id, RollupCell.engagement != 0)).scalars()}


def _post_days(db, org_id: int) -> dict[tuple, int]:
    return {(r.day, r.post_id, r.network): r.engagement for r in db.session.execute(
        sa.select(RollupPostDay).where(RollupPostDay.org_id == org_id, RollupPostDay.engagement != 0)).scalars()}


def _reach(db, org_id: int) -> set:
    return set(db.session.scalars(sa.select(RollupCell.reach).where(RollupCell.org_id == org_id)))


def _rebuilt(db, org_id: int) -> dict[tuple, int]:
    org = db.session.get_one(Organization, org_id)
    for batch in rebuild.batches(org, days=3):
        rebuild.rebuild_batch(org=org, batch=batch)
    return _cells(db, org_id)


def _start(make, db, provider: str = "x"):
    member = make.member(make.org(timezone=ZONE))
    now = utcnow().replace(hour=1, minute=0, second=0, microsecond=0)  # 21:00 or 20:00 the day before, locally
    share = published(make, member, account(db, member, provider), "71", at=now - timedelta(hours=2))
    db.session.flush()
    return member, share, now


def test_each_reading_adds_its_increase_on_the_org_local_day_it_was_taken(db, reads, make):
    member, share, now = _start(make, db)
    script = [(now, Engagement(likes=3, reposts=1, replies=0, quotes=0, impressions=120)),
              (now + timedelta(hours=1), Engagement(likes=3, reposts=1, replies=0, quotes=0, impressions=500)),
              (now + timedelta(hours=5), Engagement(likes=9, reposts=2, replies=None, quotes=1, impressions=600)),
              (now + timedelta(hours=30), Engagement(likes=7, reposts=2, replies=4, quotes=1, impressions=650))]
    counts = []
    for at, figures in script:
        reads.figures["71"] = figures
        counts.append(_run(at))
    assert counts == [{"changed": 1}, {"changed": 1}, {"changed": 1}, {"changed": 1}]
    expected = _expected(share, script)
    # 01:00 UTC is the evening before in New York: the first readings fall on the local day before UTC's.
    assert sorted({day for day, *_ in expected}) == [now.date() - timedelta(days=1), now.date(),
                                                     now.date() + timedelta(days=1)]
    assert _cells(db, member.org_id) == expected
    assert _post_days(db, member.org_id) == {(day, post, network): gain
                                             for (day, _m, post, network), gain in expected.items()}
    assert sum(expected.values()) == _total(script[-1][1]) == 14  # the days add up to the latest figures
    assert _reach(db, member.org_id) == {None}  # potential reach is not kept in the rollups: unknown, never 0
    assert _rebuilt(db, member.org_id) == expected


def test_unchanged_figures_and_an_unlike(db, reads, make):
    member, share, now = _start(make, db, "bluesky")
    script = [(now, Engagement(likes=5, reposts=0, replies=1, quotes=0)),
              (now + timedelta(hours=2), Engagement(likes=5, reposts=0, replies=1, quotes=0)),  # no snapshot
              (now + timedelta(hours=3), Engagement(likes=2, reposts=0, replies=1, quotes=0))]
    counts = []
    for at, figures in script:
        reads.figures["71"] = figures
        counts.append(_run(at))
    assert counts == [{"changed": 1}, {"unchanged": 1}, {"changed": 1}]
    assert _cells(db, member.org_id) == {(_local(now), member.id, share.post_id, "bluesky"): 3}  # 6, then −3
    assert _rebuilt(db, member.org_id) == {(_local(now), member.id, share.post_id, "bluesky"): 3}


def test_a_reading_stored_again_is_added_once(db, reads, make):
    member, share, now = _start(make, db)
    reads.figures["71"] = Engagement(likes=4, reposts=0, replies=0, quotes=0, impressions=10)
    (account_id, ids), = metrics.claim_due(limit=100, now=now).items()
    assert metrics.fetch_for_account(account_id, ids, now=now) == {"changed": 1}
    # The same run again (a retried job): the reading is stored already.
    assert metrics.fetch_for_account(account_id, ids, now=now) == {"already_read": 1}
    due = [metrics.Due(share.id, "71", share.published_at)]
    assert metrics.store(due, MetricsResult(found={"71": reads.figures["71"]}), now=now) == {"already_read": 1}
    assert _cells(db, member.org_id) == {(_local(now), member.id, share.post_id, "x"): 4}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EngagementSnapshot)
                             .where(EngagementSnapshot.share_id == share.id)) == 1


def test_a_worker_that_overran_its_lease_does_not_store_its_older_reading(db, reads, make):
    member, share, now = _start(make, db)
    slow = metrics.claim_due(limit=100, now=now)
    later = now + metrics.LEASE + timedelta(minutes=1)
    fast = metrics.claim_due(limit=100, now=later)  # the first claim's lease ran out: another worker takes it
    assert slow == fast == {share.account_id: [share.id]}
    reads.figures["71"] = Engagement(likes=9, reposts=1, replies=0, quotes=0, impressions=10)
    assert metrics.fetch_for_account(share.account_id, [share.id], now=later) == {"changed": 1}
    reads.figures["71"] = Engagement(likes=6, reposts=1, replies=0, quotes=0, impressions=5)  # what it read then
    assert metrics.fetch_for_account(share.account_id, [share.id], now=now) == {"already_read": 1}
    row = db.session.get_one(ShareEngagement, share.id)
    assert (row.likes, row.fetched_at) == (9, later)
    assert row.next_fetch_at == metrics.next_fetch_at(share.published_at, later)
    assert _cells(db, member.org_id) == {(_local(later), member.id, share.post_id, "x"): 10}


def test_a_deleted_post_keeps_its_last_figures(db, reads, make):
    member, share, now = _start(make, db)
    reads.figures["71"] = Engagement(likes=4, reposts=2, replies=0, quotes=0, impressions=50)
    _run(now)
    del reads.figures["71"]
    reads.deleted.add("71")
    assert _run(now + timedelta(days=1)) == {"deleted": 1}
    expected = {(_local(now), member.id, share.post_id, "x"): 6}  # no drop to zero on the day it was deleted
    assert _cells(db, member.org_id) == expected
    assert _rebuilt(db, member.org_id) == expected


# --- real concurrency: two sessions store the same reading at once ---------------------------------------------


def test_two_workers_storing_the_same_reading_at_once_add_it_once(own_app, reads):
    """Each in its own session and connection, with real commits: the second waits for the first's lock on the
    share's row (PostgreSQL FOR UPDATE; SQLite's single writer), then finds the reading stored."""
    from ambassador.extensions import db as ext_db
    from ambassador.infra import database
    from tests.factories import Factory

    now = utcnow().replace(microsecond=0)
    with own_app.app_context():
        make = Factory(ext_db)
        member = make.member(make.org(timezone=ZONE))
        share = published(make, member, account(ext_db, member, "x"), "81", at=now - timedelta(hours=1))
        ext_db.session.flush()
        ext_db.session.add(ShareEngagement(share_id=share.id, org_id=member.org_id, next_fetch_at=now))
        ext_db.session.commit()
        org_id, due = member.org_id, [metrics.Due(share.id, "81", now - timedelta(hours=1))]
    result = MetricsResult(found={"81": Engagement(likes=7, reposts=1, replies=0, quotes=0, impressions=3)})
    first_stored = threading.Event()
    counts: list = []
    crashed: list[BaseException] = []

    def worker(first: bool) -> None:
        with own_app.app_context():
            try:
                if not first:
                    assert first_stored.wait(timeout=30)
                database.begin_write()
                counts.append(metrics.store(due, result, now=now))
                if first:
                    first_stored.set()
                    threading.Event().wait(0.5)  # hold the lock while the other one tries
                ext_db.session.commit()
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                ext_db.session.rollback()
                first_stored.set()
                crashed.append(exc)

    threads = [threading.Thread(target=worker, args=(first,)) for first in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert crashed == [] and counts == [{"changed": 1}, {"already_read": 1}]
    with own_app.app_context():
        assert ext_db.session.scalar(sa.select(sa.func.sum(RollupCell.engagement))
                                     .where(RollupCell.org_id == org_id)) == 8
        assert ext_db.session.scalar(sa.select(sa.func.sum(RollupPostDay.engagement))
                                     .where(RollupPostDay.org_id == org_id)) == 8
        assert ext_db.session.scalar(sa.select(sa.func.count()).select_from(EngagementSnapshot)) == 1
