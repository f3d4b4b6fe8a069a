"""The demo's linked accounts, published shares and the engagement the networks "reported"."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ambassador.demo import seed
from ambassador.models import EngagementSnapshot, RollupPostDay, Share, ShareEngagement, SocialAccount, utcnow
from ambassador.services.analytics import engagement


@pytest.fixture
def demo_org(db):
    return seed.ensure_demo().org


def test_demo_has_reach_engagement_and_what_networks_do_not_give(db, demo_org):
    accounts = list(db.session.scalars(sa.select(SocialAccount).where(SocialAccount.org_id == demo_org.id)))
    reach = {a.provider: a.followers_count for a in accounts}
    assert reach["linkedin"] is None and all(reach[n] > 0 for n in ("x", "mastodon", "bluesky"))
    shares = list(db.session.scalars(sa.select(Share).where(Share.org_id == demo_org.id, Share.method == "api")))
    assert shares and all(s.status == "published" and s.published_at < utcnow() for s in shares)
    figures = engagement.figures_for_shares(org_id=demo_org.id, share_ids=[s.id for s in shares])
    by_network = {}
    for share in shares:
        by_network.setdefault(share.network, []).append(figures[share.id])
    assert all(not f.reported for f in by_network["linkedin"])
    assert any(f.total for f in by_network["x"]) and all(f.impressions is None for f in by_network["bluesky"])
    assert sum(1 for f in figures.values() if f.deleted_at) == 1
    rows = list(db.session.scalars(sa.select(ShareEngagement).where(ShareEngagement.org_id == demo_org.id)))
    assert rows and all(row.next_fetch_at is None for row in rows)  # nothing for the worker to call
    snapshots = list(db.session.scalars(sa.select(EngagementSnapshot).where(EngagementSnapshot.org_id == demo_org.id)
                                        .order_by(EngagementSnapshot.share_id, EngagementSnapshot.taken_at)))
    assert len(snapshots) > len(rows)  # trends: several snapshots per share
    for earlier, later in zip(snapshots, snapshots[1:], strict=False):
        if earlier.share_id == later.share_id:
            assert later.likes >= earlier.likes and later.taken_at > earlier.taken_at


def test_demo_rollups_hold_the_engagement_its_readings_gained(db, demo_org):
    """The demo stores its readings as the engagement job does: the organization's post-day totals add up to the
    latest figures of its shares (every reading is in the past), so the overview's engagement line is drawn."""
    latest = [row.total for row in db.session.scalars(
        sa.select(ShareEngagement).where(ShareEngagement.org_id == demo_org.id))]
    gained = db.session.scalar(sa.select(sa.func.sum(RollupPostDay.engagement))
                               .where(RollupPostDay.org_id == demo_org.id))
    assert gained == sum(t for t in latest if t is not None) > 0
