"""Engagement and potential impressions per network feed the overview's earned media value."""
from __future__ import annotations

from datetime import timedelta

from ambassador.models import ShareEngagement, ShareStatus, utcnow
from ambassador.services.analytics import engagement, overview, periods
from tests.services.publishing.fakes import account, due_share


def _published(db, make, member, acct, *, likes=None, reposts=None, fetched=True):
    share = due_share(member, make.post(make.campaign(member.organization)), acct)
    share.status, share.published_at = ShareStatus.PUBLISHED, utcnow() - timedelta(hours=2)
    if fetched:
        db.session.add(ShareEngagement(share_id=share.id, org_id=share.org_id, likes=likes, reposts=reposts,
                                       fetched_at=utcnow()))
    db.session.flush()
    return share


def test_known_figures_are_summed_per_network_and_unknown_stays_none(db, make, network, member):
    x = account(db, member, "x")
    x.followers_count = 120
    mastodon = account(db, member, "mastodon")  # followers unknown, engagement never read
    _published(db, make, member, x, likes=3, reposts=2)
    _published(db, make, member, x)  # read, but the network gave no figure: adds 0 to what is known
    _published(db, make, member, mastodon, fetched=False)
    other = make.member(make.org())
    stranger = account(db, other, "x")
    stranger.followers_count = 9999
    _published(db, make, other, stranger, likes=50)  # another organization: not counted
    reach = engagement.per_network(org_id=member.org_id, window=periods.last_days(member.organization, 7))
    assert reach.engagements == {"x": 5, "mastodon": None}
    assert reach.impressions == {"x": 240, "mastodon": None}


def test_the_overview_values_the_engagement_and_impressions_it_knows(db, make, network, member):
    x = account(db, member, "x")
    x.followers_count = 1000
    _published(db, make, member, x, likes=4)
    result = overview.overview(org_id=member.org_id, window=periods.last_days(member.organization, 7)).emv
    quantities = {part.metric: part.quantity for part in result.parts_of("x")}
    assert quantities["per_engagement"] == 4 and quantities["per_thousand_impressions"] == 1000
    assert ("x", "per_engagement") not in result.unknown and ("linkedin", "per_engagement") in result.unknown
