"""Reading engagement and potential reach per share, scoped to one organization (services/analytics/engagement.py)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from ambassador.models import utcnow
from ambassador.providers.base import Engagement
from ambassador.services.analytics import engagement
from ambassador.services.publishing import metrics
from tests.services.publishing.fakes import account
from tests.services.publishing.metrics_fakes import install_reads, published


@pytest.fixture
def reads(monkeypatch):
    return install_reads(monkeypatch)


def _read_all():
    for account_id, share_ids in metrics.claim_due(limit=100).items():
        metrics.fetch_for_account(account_id, share_ids)


def test_latest_figures_and_followers_per_share_in_one_organization(db, reads, make):
    org, other = make.org(), make.org()
    member, stranger = make.member(org), make.member(other)
    x = account(db, member, "x", followers_count=900)
    linkedin = account(db, member, "linkedin")
    mine = published(make, member, x, "1")
    theirs = published(make, stranger, account(db, stranger, "x", followers_count=5), "2")
    gone = published(make, member, x, "3")
    unreported = published(make, member, linkedin, "urn:li:share:9")
    reads.figures.update({"1": Engagement(likes=4, reposts=1, replies=2, quotes=0, impressions=300),
                          "2": Engagement(likes=1, reposts=0, replies=0, quotes=0)})
    reads.deleted.add("3")
    _read_all()
    figures = engagement.figures_for_shares(org_id=org.id, share_ids=[mine.id, theirs.id, gone.id, unreported.id])
    assert set(figures) == {mine.id, gone.id, unreported.id}  # never another organization's share
    assert (figures[mine.id].total, figures[mine.id].impressions, figures[mine.id].followers) == (7, 300, 900)
    assert figures[gone.id].deleted_at is not None and figures[gone.id].total is None  # not 0
    assert not figures[unreported.id].reported and figures[unreported.id].followers is None
    rows = list(engagement.latest_by_share(org_id=org.id, batch=1))
    assert [(r.share_id, r.total, r.followers) for r in rows] == [(mine.id, 7, 900)]
    assert list(engagement.latest_by_share(org_id=org.id, since=utcnow() + timedelta(hours=1))) == []
