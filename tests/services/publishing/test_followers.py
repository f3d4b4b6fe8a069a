"""Potential reach: follower counts taken at connect and refreshed daily (services/publishing/followers.py)."""
from __future__ import annotations

from datetime import timedelta

from ambassador.models import utcnow
from ambassador.providers.base import ErrorKind, Profile, TokenSet
from ambassador.services.publishing import followers, social_accounts

from .fakes import account, error


def test_the_count_given_at_connect_is_stored_and_unknown_stays_unknown(db, reads, member):
    [known] = social_accounts.save_connection(membership=member, provider="x", tokens=TokenSet(access_token="a"),
                                              profiles=[Profile(external_id="1", followers=1200)])
    [unknown] = social_accounts.save_connection(membership=member, provider="linkedin",
                                                tokens=TokenSet(access_token="b"), profiles=[Profile(external_id="2")])
    assert known.followers_count == 1200 and known.followers_fetched_at is not None
    assert unknown.followers_count is None and unknown.followers_fetched_at is None


def test_daily_refresh_of_networks_that_report_followers(db, reads, member):
    x = account(db, member, "x")
    linkedin = account(db, member, "linkedin")
    fresh = account(db, member, "mastodon", followers_count=10, followers_fetched_at=utcnow() - timedelta(hours=2))
    reads.followers[x.external_id] = 1500
    assert followers.refresh_due(limit=10) == {"updated": 1}
    db.session.expire_all()
    assert x.followers_count == 1500 and reads.follower_calls == [x.external_id]
    assert linkedin.followers_count is None and fresh.followers_count == 10  # not asked
    assert followers.refresh_due(limit=10) == {}  # read today


def test_a_network_that_says_nothing_keeps_the_last_known_count(db, reads, member):
    acct = account(db, member, "bluesky", followers_count=40, followers_fetched_at=utcnow() - timedelta(days=2))
    assert followers.refresh_due(limit=10) == {"unknown": 1}
    db.session.expire_all()
    assert acct.followers_count == 40 and acct.followers_fetched_at > utcnow() - timedelta(minutes=1)


def test_rate_limits_and_refused_grants_as_for_publishing(db, reads, member):
    limited = account(db, member, "x")
    refused = account(db, member, "facebook")
    until = utcnow() + timedelta(minutes=15)
    reads.errors += [error(ErrorKind.RATE_LIMITED, "429", retry_at=until), error(ErrorKind.REAUTH, "#190")]
    assert followers.refresh_due(limit=10) == {"error_rate_limited": 1, "error_reauth": 1}
    db.session.expire_all()
    assert limited.rate_limited_until == until and limited.followers_count is None
    assert refused.status == "needs_reconnect"
    assert followers.refresh_due(limit=10) == {}  # the limited one waits, the refused one needs its owner
