"""The engagement and follower-count jobs: registered like the others, thin over their services."""
from __future__ import annotations

import pytest

from ambassador.jobs import definitions, tasks
from ambassador.models import ShareEngagement
from ambassador.providers.base import Engagement
from tests.services.publishing.fakes import account
from tests.services.publishing.metrics_fakes import install_reads, published


@pytest.fixture
def reads(monkeypatch):
    return install_reads(monkeypatch)


def test_both_jobs_are_in_the_job_list():
    assert definitions.by_name("fetch_engagement").func is tasks.fetch_engagement
    assert definitions.by_name("refresh_follower_counts").func is tasks.refresh_follower_counts
    # A share's first 48 hours are read hourly: the job must run well within the hour.
    assert definitions.by_name("fetch_engagement").interval({}) <= 15 * 60


def test_fetch_engagement_reads_due_shares_account_by_account(db, reads, make, member):
    x, mastodon = account(db, member, "x"), account(db, member, "mastodon")
    first, second = published(make, member, x, "1"), published(make, member, mastodon, "2")
    reads.figures.update({"1": Engagement(likes=2), "2": Engagement(likes=5)})
    assert tasks.fetch_engagement() == {"accounts": 2, "changed": 2}
    db.session.expire_all()
    assert db.session.get_one(ShareEngagement, first.id).likes == 2
    assert db.session.get_one(ShareEngagement, second.id).likes == 5
    assert tasks.fetch_engagement() == {"accounts": 0}


def test_refresh_follower_counts(db, reads, member):
    acct = account(db, member, "bluesky")
    reads.followers[acct.external_id] = 77
    assert tasks.refresh_follower_counts() == {"updated": 1}
    db.session.expire_all()
    assert acct.followers_count == 77
