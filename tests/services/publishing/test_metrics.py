"""Engagement read back from the networks: which shares are due when, snapshots, deleted posts, batches,
rate limits and refused grants (services/publishing/metrics.py)."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import AppRateLimit, EngagementSnapshot, ShareEngagement, utcnow
from ambassador.providers.base import Engagement, ErrorKind
from ambassador.services.publishing import metrics

from .fakes import account, error
from .metrics_fakes import published

T0 = datetime(2026, 6, 1, 12, 0)


@pytest.mark.parametrize("age, expected", [
    (timedelta(minutes=5), T0 + timedelta(hours=1)),
    (timedelta(hours=47, minutes=30), T0 + timedelta(hours=1)),
    (timedelta(hours=48), T0 + timedelta(days=1)),
    (timedelta(days=20), T0 + timedelta(days=1)),
    (timedelta(days=29, hours=20), T0 + timedelta(hours=4)),  # a last look at 30 days
    (timedelta(days=30), None),
    (timedelta(days=45), None),
])
def test_hourly_for_48_hours_then_daily_until_30_days_then_never(age, expected):
    assert metrics.next_fetch_at(T0 - age, T0) == expected


def _row(db, share) -> ShareEngagement:
    db.session.expire_all()
    return db.session.get_one(ShareEngagement, share.id)


def _snapshots(db, share) -> list[EngagementSnapshot]:
    return list(db.session.scalars(sa.select(EngagementSnapshot).where(EngagementSnapshot.share_id == share.id)
                                   .order_by(EngagementSnapshot.id)))


def _run(now=None) -> dict:
    counts: dict = {}
    for account_id, share_ids in metrics.claim_due(limit=100, now=now).items():
        for key, value in metrics.fetch_for_account(account_id, share_ids, now=now).items():
            counts[key] = counts.get(key, 0) + value
    return counts


def test_only_published_api_shares_with_a_post_id_younger_than_30_days_are_followed(db, reads, make, member):
    acct = account(db, member, "x")
    fresh = published(make, member, acct, "1")
    old = published(make, member, acct, "2", at=utcnow() - timedelta(days=31))
    no_id = published(make, member, acct, "3")
    no_id.external_id = None
    make.member(member.organization)  # someone with nothing published
    db.session.flush()
    groups = metrics.claim_due(limit=100)
    assert groups == {acct.id: [fresh.id]}
    assert db.session.get(ShareEngagement, old.id) is None and db.session.get(ShareEngagement, no_id.id) is None
    # Claimed: a second worker running now gets nothing.
    assert metrics.claim_due(limit=100) == {}


def test_figures_are_stored_as_snapshots_when_they_change(db, reads, make, member):
    share = published(make, member, account(db, member, "x"), "11", at=utcnow() - timedelta(hours=2))
    reads.figures["11"] = Engagement(likes=3, reposts=1, replies=0, quotes=0, impressions=120)
    now = utcnow()
    assert _run(now) == {"changed": 1}
    row = _row(db, share)
    assert (row.likes, row.reposts, row.replies, row.quotes, row.impressions) == (3, 1, 0, 0, 120)
    assert row.fetched_at == now and row.next_fetch_at == now + timedelta(hours=1)
    assert [(s.likes, s.impressions) for s in _snapshots(db, share)] == [(3, 120)]
    assert _run(now) == {}  # not due again before the hour
    later = now + timedelta(hours=1)
    assert _run(later) == {"unchanged": 1}  # same figures: no new snapshot
    assert len(_snapshots(db, share)) == 1
    reads.figures["11"] = Engagement(likes=5, reposts=1, replies=2, quotes=0, impressions=200)
    assert _run(later + timedelta(hours=1)) == {"changed": 1}
    assert [s.likes for s in _snapshots(db, share)] == [3, 5]
    assert _row(db, share).total == 8


def test_what_a_network_does_not_give_stays_unknown_not_zero(db, reads, make, member):
    share = published(make, member, account(db, member, "bluesky"), "at://did:plc:a/app.bsky.feed.post/3k")
    reads.figures[share.external_id] = Engagement(likes=2, reposts=0, replies=1, quotes=0)  # no impressions
    _run()
    row = _row(db, share)
    assert row.impressions is None and _snapshots(db, share)[0].impressions is None


def test_a_deleted_post_is_marked_keeps_its_last_figures_and_is_not_asked_again(db, reads, make, member):
    share = published(make, member, account(db, member, "x"), "21", at=utcnow() - timedelta(hours=3))
    reads.figures["21"] = Engagement(likes=4, reposts=0, replies=0, quotes=0, impressions=50)
    now = utcnow()
    _run(now)
    reads.deleted.add("21")
    del reads.figures["21"]
    assert _run(now + timedelta(hours=1)) == {"deleted": 1}
    row = _row(db, share)
    assert row.deleted_at == now + timedelta(hours=1) and row.next_fetch_at is None
    assert (row.likes, row.total) == (4, 4)  # not zeros
    assert _run(now + timedelta(days=2)) == {} and len(reads.calls) == 2


def test_a_post_the_network_did_not_answer_for_is_asked_again_later(db, reads, make, member):
    share = published(make, member, account(db, member, "mastodon"), "31")
    now = utcnow()
    assert _run(now) == {"unknown": 1}
    row = _row(db, share)
    assert row.fetched_at is None and row.deleted_at is None and row.next_fetch_at == now + timedelta(hours=1)


def test_reads_go_in_the_network_s_batches_per_account(db, reads, make, member):
    first, second = account(db, member, "x"), account(db, member, "mastodon")
    for n in range(5):
        published(make, member, first, f"10{n}")
    published(make, member, second, "200")
    _run()
    assert sorted(len(ids) for name, ids in reads.calls if name == "x") == [1, 2, 2]
    assert [ids for name, ids in reads.calls if name == "mastodon"] == [["200"]]


def test_linkedin_is_not_asked_and_its_shares_are_not_followed(db, reads, make, member):
    share = published(make, member, account(db, member, "linkedin"), "urn:li:share:1")
    assert _run() == {"not_reported": 1}
    assert reads.calls == [] and _row(db, share).next_fetch_at is None


@pytest.mark.parametrize("app_wide", [False, True])
def test_a_rate_limit_defers_the_account_and_its_shares(db, reads, make, member, app_wide):
    limited, other = account(db, member, "x"), account(db, member, "bluesky")
    shares = [published(make, member, limited, f"4{n}") for n in range(3)]
    published(make, member, other, "at://did:plc:b/app.bsky.feed.post/1")
    now = utcnow()
    until = now + timedelta(minutes=12)
    reads.errors.append(error(ErrorKind.RATE_LIMITED, "Too Many Requests", retry_at=until, app_wide=app_wide))
    counts = _run(now)
    assert counts["error_rate_limited"] == 3
    assert all(_row(db, share).next_fetch_at == until for share in shares)
    db.session.expire_all()
    if app_wide:
        assert db.session.get_one(AppRateLimit, ("x", "")).until == until
    else:
        assert limited.rate_limited_until == until
    calls = len(reads.calls)
    assert _run(now + timedelta(minutes=5)) == {}  # nobody asks X before the reset
    assert len(reads.calls) == calls
    assert _run(until + timedelta(seconds=1)) == {"unknown": 3}


def test_a_refused_grant_marks_the_account_for_reconnecting(db, reads, make, member):
    acct = account(db, member, "mastodon")
    share = published(make, member, acct, "51")
    reads.errors.append(error(ErrorKind.REAUTH, "The access token is invalid"))
    now = utcnow()
    assert _run(now) == {"error_reauth": 1}
    db.session.expire_all()
    assert acct.status == "needs_reconnect"
    assert _row(db, share).next_fetch_at == now + timedelta(hours=1)
    assert _run(now + timedelta(hours=2)) == {}  # not read while it needs reconnecting


def test_a_transient_failure_is_tried_again_in_an_hour_without_touching_the_account(db, reads, make, member):
    acct = account(db, member, "facebook")
    share = published(make, member, acct, "101_1")
    reads.errors.append(error(ErrorKind.RETRY, "503"))
    now = utcnow()
    assert _run(now) == {"error_retry": 1}
    db.session.expire_all()
    assert acct.status == "active" and _row(db, share).next_fetch_at == now + timedelta(hours=1)


def test_shares_past_30_days_that_could_not_be_read_are_retired(db, reads, make, member):
    acct = account(db, member, "x")
    share = published(make, member, acct, "61", at=utcnow() - timedelta(days=10))
    acct.status = "disconnected"
    now = utcnow()
    metrics.claim_due(limit=100, now=now)
    assert _row(db, share).next_fetch_at == now
    metrics.claim_due(limit=100, now=now + timedelta(days=22))
    assert _row(db, share).next_fetch_at is None
