"""Demo engagement and potential reach: a few ambassadors with linked accounts, shares those accounts
published over the last month, and the figures the networks "reported" as snapshots (one post deleted on
the network, LinkedIn reporting nothing), stored as the engagement job stores them (so the rollups hold the
engagement gained each day), so the screens that show engagement and reach have something true to the rules
to show. No network is called: nothing here holds a token, and nothing is due for reading."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from ..extensions import db
from ..models import (
    Audience,
    MemberKind,
    Membership,
    Organization,
    Post,
    PostStatus,
    Share,
    ShareEngagement,
    ShareMethod,
    ShareStatus,
    SocialAccount,
)
from ..providers.base import Engagement, MetricsResult
from ..services.publishing import metrics, settled_shares, sharing, tracked_links

SEED = 20261205
# (member email, network, handle, followers: None = the network gives no count)
ACCOUNTS = [
    ("ambassador1@demo.test", "x", "@emma_claes", 1840),
    ("ambassador1@demo.test", "linkedin", "Emma Claes", None),
    ("ambassador2@demo.test", "mastodon", "@noah@mastodon.social", 412),
    ("ambassador3@demo.test", "bluesky", "@louise.bsky.social", 960),
    ("ambassador4@demo.test", "x", "@lucaswillems", 5230),
    ("fan1@demo.test", "bluesky", "@nina.bsky.social", 275),
]
REPORTS_IMPRESSIONS = {"x"}
HOURS = (1, 3, 8, 24, 72, 240)  # when the demo's snapshots were "taken", after publishing


def create(*, org: Organization, memberships: dict[str, Membership], posts: list[Post], now: datetime) -> None:
    rng = random.Random(SEED)
    live = [p for p in posts if p.status == PostStatus.APPROVED and p.published_at and p.published_at < now]
    deleted_one = False
    for n, (email, network, handle, followers) in enumerate(ACCOUNTS):
        membership = memberships[email]
        account = SocialAccount(org_id=org.id, membership_id=membership.id, provider=network,
                                external_id=f"demo-{network}-{n}", handle=handle, display_name=handle, extra={},
                                followers_count=followers, followers_fetched_at=now - timedelta(hours=3)
                                if followers is not None else None, created_at=now - timedelta(days=40))
        db.session.add(account)
        db.session.flush()
        allowed = [p for p in live if p.audience == Audience.EVERYONE or membership.kind == MemberKind.INTERNAL]
        for post in rng.sample(allowed, k=min(3, len(allowed))):
            at = post.published_at + timedelta(hours=rng.randint(1, 30))
            if at >= now:
                continue
            share = _published(org=org, membership=membership, account=account, post=post, at=at)
            if network == "linkedin":
                continue  # LinkedIn reports no engagement to this app: no figures, said so on screen
            deleted = not deleted_one and network == "x" and n > 0
            deleted_one = deleted_one or deleted
            _figures(share=share, at=at, now=now, rng=rng, impressions=network in REPORTS_IMPRESSIONS,
                     deleted=deleted)


def _published(*, org: Organization, membership: Membership, account: SocialAccount, post: Post,
               at: datetime) -> Share:
    link = tracked_links.link_for(membership=membership, post=post, network=account.provider)
    db.session.flush()
    share = Share(org_id=org.id, post_id=post.id, membership_id=membership.id, tracked_link_id=link.id,
                  network=account.provider, method=ShareMethod.API, status=ShareStatus.PUBLISHED,
                  caption=sharing.suggested_caption(post, account.provider, membership),
                  created_at=at - timedelta(minutes=5), scheduled_at=at,
                  published_at=at, account_id=account.id, external_id=f"demo-{post.id}-{account.id}")
    db.session.add(share)
    db.session.flush()
    settled_shares.award_published([share])
    return share


def _figures(*, share: Share, at: datetime, now: datetime, rng: random.Random, impressions: bool,
             deleted: bool) -> None:
    """Readings stored as the engagement job stores them (metrics.store: latest figures, snapshots, rollups)."""
    row = ShareEngagement(share_id=share.id, org_id=share.org_id, created_at=at, next_fetch_at=None)
    db.session.add(row)
    db.session.flush()
    due = [metrics.Due(share.id, share.external_id or "", at)]
    likes = reposts = replies = quotes = seen = 0
    for hours in HOURS:
        taken = at + timedelta(hours=hours)
        if taken >= now or (deleted and hours > 24):
            break
        likes += rng.randint(0, 9)
        reposts += rng.randint(0, 3)
        replies += rng.randint(0, 2)
        quotes += rng.randint(0, 1)
        seen += rng.randint(40, 400)
        figures = {"likes": likes, "reposts": reposts, "replies": replies, "quotes": quotes,
                   "impressions": seen if impressions else None}
        metrics.store(due, MetricsResult(found={due[0].external_id: Engagement(**figures)}), now=taken)
    if deleted:
        metrics.store(due, MetricsResult(deleted={due[0].external_id}), now=min(at + timedelta(hours=30), now))
    row.next_fetch_at = None  # nothing is due for reading: the demo holds no token
    db.session.flush()
