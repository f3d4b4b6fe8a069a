"""The worker's batches: claimed shares prepared together, outcomes recorded together (with their points), a
recording that fails transiently tried again, and one that cannot be written not holding back the others."""
from __future__ import annotations

import contextlib
import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import PointsEntry, Share, utcnow
from ambassador.providers.base import ErrorKind
from ambassador.services.community import points
from ambassador.services.publishing import dispatch, feed, leases, outcomes

from .fakes import account, due_share, error

WORKER = "test-worker"


@contextlib.contextmanager
def statements(db):
    """Count the SQL statements sent while the block runs."""
    seen: list[str] = []
    bind = db.session.get_bind()

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    sa.event.listen(bind, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(bind, "before_cursor_execute", count)


def sent_batch(db, make, member, n: int, *answers) -> list[outcomes.Sent]:
    """n due shares of n posts (one linked account each), claimed, prepared and sent; the network answers
    `answers` first, then success."""
    campaign = make.campaign(member.organization)
    shares = [due_share(member, make.post(campaign), account(db, member), minutes_ago=n - i) for i in range(n)]
    assert leases.claim_due_shares(worker_id=WORKER, limit=n) == sorted(s.id for s in shares)
    ready, settled = dispatch.prepare([s.id for s in shares], worker_id=WORKER)
    assert settled == {} and len(ready) == n
    return [dispatch.send(outbound) for outbound in ready]


def test_a_batch_is_recorded_at_once_with_its_points_in_time_order_within_the_daily_cap(db, make, network):
    member = make.member(make.org(points_share=5, daily_share_points_cap=12))
    network.answer(None, None, error(ErrorKind.RATE_LIMITED, retry_at=utcnow() + timedelta(minutes=5)))
    sent = sent_batch(db, make, member, 4)
    recorded = dispatch.record_outcomes(sent, worker_id=WORKER)
    assert list(recorded.values()) == ["published", "published", "rate_limited", "published"]
    rows = db.session.execute(sa.select(Share.id, Share.status, Share.lease_owner).order_by(Share.id)).all()
    assert [(status, owner) for _id, status, owner in rows] == [("published", None)] * 2 + [("scheduled", None)] + [
        ("published", None)]
    paid = db.session.execute(sa.select(PointsEntry.share_id, PointsEntry.points).order_by(PointsEntry.id)).all()
    published = [share_id for share_id, status, _owner in rows if status == "published"]
    assert paid == [(published[0], 5), (published[1], 5), (published[2], 2)]  # the cap of 12 reached
    assert points.balance(member.id) == 12


def test_recording_costs_the_same_statements_for_two_shares_as_for_six(db, make, network):
    """The outcomes of a batch are written with a fixed number of statements, not a few per share."""
    costs = []
    for n in (2, 6):
        member = make.member(make.org(points_share=5, daily_share_points_cap=100))
        sent = sent_batch(db, make, member, n)
        with statements(db) as seen:
            assert set(dispatch.record_outcomes(sent, worker_id=WORKER).values()) == {"published"}
        if db.session.get_bind().dialect.name == "sqlite":
            # The ORM inserts the ledger entries one row at a time there: SQLite cannot return the new ids
            # of a multi-row INSERT in a guaranteed order (PostgreSQL gets one statement).
            seen = [statement for statement in seen if not statement.startswith("INSERT INTO points_entry")]
        costs.append(len(seen))
        assert points.balance(member.id) == 5 * n
    assert costs[0] == costs[1]


def test_preparing_costs_the_same_statements_for_two_shares_as_for_six(db, make, network):
    costs = []
    for n in (2, 6):
        member = make.member(make.org())
        campaign = make.campaign(member.organization)
        ids = [due_share(member, make.post(campaign), account(db, member)).id for _ in range(n)]
        leases.claim_due_shares(worker_id=WORKER, limit=n)
        with statements(db) as seen:
            ready, _settled = dispatch.prepare(ids, worker_id=WORKER)
        assert len(ready) == n
        for outbound in ready:
            dispatch.send(outbound)
        costs.append(len(seen))
    assert costs[0] == costs[1]


def test_one_member_post_and_network_earns_once_within_a_batch(db, make, network, member, post):
    shares = [due_share(member, post, account(db, member, "linkedin")) for _ in range(2)]
    leases.claim_due_shares(worker_id=WORKER, limit=10)
    ready, _settled = dispatch.prepare([s.id for s in shares], worker_id=WORKER)
    recorded = dispatch.record_outcomes([dispatch.send(o) for o in ready], worker_id=WORKER)
    assert list(recorded.values()) == ["published", "published"]
    assert points.balance(member.id) == 5
    assert db.session.scalar(sa.select(sa.func.count(PointsEntry.id))) == 1


def test_a_recording_that_fails_transiently_is_tried_again(db, make, network, member, monkeypatch, caplog):
    monkeypatch.setattr(outcomes, "RECORD_RETRY_SECONDS", 0.001)
    sent = sent_batch(db, make, member, 2)
    real, tries = outcomes.record_published, []

    def deadlock_then_record(confirmed, **kw):
        tries.append(len(confirmed))
        if len(tries) < 3:
            raise sa.exc.OperationalError("UPDATE …", {}, Exception("deadlock detected"))
        return real(confirmed, **kw)

    monkeypatch.setattr(outcomes, "record_published", deadlock_then_record)
    with caplog.at_level(logging.WARNING):
        recorded = dispatch.record_outcomes(sent, worker_id=WORKER)
    assert tries == [2, 2, 2] and set(recorded.values()) == {"published"}
    assert "attempt 2 of 4" in caplog.text
    assert set(db.session.scalars(sa.select(Share.status))) == {"published"}
    assert points.balance(member.id) == 10


def test_a_recording_that_keeps_failing_gives_up_and_leaves_the_lease_to_recovery(db, make, network, member,
                                                                                   monkeypatch):
    monkeypatch.setattr(outcomes, "RECORD_RETRY_SECONDS", 0.001)
    [sent] = sent_batch(db, make, member, 1)
    tries = []

    def always_locked(confirmed, **kw):
        tries.append(1)
        raise sa.exc.OperationalError("UPDATE …", {}, Exception("database is locked"))

    monkeypatch.setattr(outcomes, "record_published", always_locked)
    assert dispatch.record_outcomes([sent], worker_id=WORKER) == {sent.share_id: "error"}
    assert len(tries) == outcomes.RECORD_ATTEMPTS  # bounded
    share = db.session.get_one(Share, sent.share_id, populate_existing=True)
    assert (share.status, share.lease_owner) == ("publishing", WORKER) and share.sending_at is not None


def test_one_share_that_cannot_be_recorded_does_not_hold_back_the_others(db, make, network, member, monkeypatch):
    sent = sent_batch(db, make, member, 3)
    poisoned = sent[1].share_id
    real = outcomes.record_published

    def refuse_one(confirmed, **kw):
        if any(share.id == poisoned for share, _result in confirmed):
            raise sa.exc.IntegrityError("INSERT …", {}, Exception("violates a constraint"))
        return real(confirmed, **kw)

    monkeypatch.setattr(outcomes, "record_published", refuse_one)
    recorded = dispatch.record_outcomes(sent, worker_id=WORKER)
    assert recorded == {sent[0].share_id: "published", poisoned: "error", sent[2].share_id: "published"}
    statuses = dict(db.session.execute(sa.select(Share.id, Share.status)).tuples().all())
    assert statuses == {sent[0].share_id: "published", poisoned: "publishing", sent[2].share_id: "published"}


@pytest.mark.parametrize("kind", ["internal", "external"])
def test_live_share_ids_follows_the_feeds_rule_for_each_member(db, make, network, kind):
    org = make.org()
    team, other_team = make.team(org), make.team(org)
    member = make.member(org, kind=kind, teams=[team])
    campaign = make.campaign(org)
    names = ("everyone", "internal only", "my team", "another team", "over", "archived")
    posts = {name: make.post(campaign) for name in names}
    acct = account(db, member)
    shares = {name: due_share(member, post, acct) for name, post in posts.items()}  # all live when scheduled
    posts["internal only"].audience = "internal"
    posts["my team"].teams = [team]
    posts["another team"].teams = [other_team]
    posts["over"].expires_at = utcnow()
    posts["archived"].status = "archived"
    db.session.flush()
    later = utcnow() + timedelta(seconds=1)
    live = feed.live_share_ids([s.id for s in shares.values()], now=later)
    one_by_one = {s.id for s in shares.values()
                  if db.session.scalar(feed.live_posts(membership=member, now=later).where(
                      feed.Post.id == s.post_id)) is not None}
    assert live == one_by_one
    assert {name for name, s in shares.items() if s.id in live} == (
        {"everyone", "my team"} | ({"internal only"} if kind == "internal" else set()))
