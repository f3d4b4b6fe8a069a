"""What a member already did with the posts in front of them: per post, the networks it went to (or is
planned for), when, and the points that earned or will earn — the feed card's "Shared on LinkedIn ✓".

Read from the Share rows and the points ledger in one query for a whole page of posts.
Points follow the rules of services/community/points.py: a share pays the organization's points per
share once per (member, post, network), within the daily cap, never on a network whose rules forbid
rewards (Facebook); an API share is paid when it is published, so a planned one "will earn" them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from ... import networks
from ...extensions import db
from ...models import (
    Membership,
    Organization,
    PointsEntry,
    Post,
    Share,
    ShareMethod,
    ShareStatus,
)
from ...models.sharing import COUNTED_SHARE_STATUSES, share_moment
from . import sharing
from .tracked_links import short_url

# On its way: the member chose to share it, the network has not confirmed it yet.
ON_ITS_WAY_STATUSES = (ShareStatus.SCHEDULED, ShareStatus.PUBLISHING, ShareStatus.UNCONFIRMED)
# A post counts as "shared" (for the card and for "not shared yet first") once it left or is on its way.
TAKEN_STATUSES = (*COUNTED_SHARE_STATUSES, *ON_ITS_WAY_STATUSES)


@dataclass(frozen=True)
class NetworkShare:
    """The member's share of one post to one network, as the card tells it."""

    network: networks.Network
    state: str  # "shared" (it left) | "planned" (scheduled or going out) | "unconfirmed"
    at: datetime  # when it left; for a planned one, when it is due (naive UTC)
    method: str  # intent | api
    points: int  # what shares of this post to this network earned (the ledger)
    will_earn: int  # what a planned share will earn when it goes out (0 when nothing more to earn)
    no_points_reason: str | None  # "network" (its rules forbid rewards) | "org" (0 per share) | "cap" | None
    share_id: int


@dataclass
class PostShares:
    post_id: int
    shares: list[NetworkShare] = field(default_factory=list)  # in the networks table's order

    @property
    def shared(self) -> bool:
        return bool(self.shares)

    @property
    def latest_id(self) -> int:
        """The newest share's id (the feed's script watches it change after a share)."""
        return max((s.share_id for s in self.shares), default=0)


def _no_points_reason(net: networks.Network, org: Organization, points: int) -> str | None:
    if not net.earns_points:
        return "network"
    if org.points_share <= 0:
        return "org"
    return "cap" if points <= 0 else None


def share_states(*, membership: Membership, post_ids: list[int]) -> dict[int, PostShares]:
    """{post id: PostShares} for every listed post (empty when the member has not shared it), one query."""
    states = {pid: PostShares(post_id=pid) for pid in post_ids}
    if not post_ids:
        return states
    org = membership.organization
    rows = db.session.execute(
        sa.select(Share.id, Share.post_id, Share.network, Share.status, Share.method, share_moment(),
                  sa.func.coalesce(Share.next_attempt_at, Share.scheduled_at, Share.created_at), PointsEntry.points)
        .outerjoin(PointsEntry, sa.and_(PointsEntry.share_id == Share.id, PointsEntry.reason == "share"))
        .where(Share.org_id == membership.org_id, Share.membership_id == membership.id,
               Share.post_id.in_(post_ids), Share.status.in_(TAKEN_STATUSES))
        .order_by(Share.id))
    # Per (post, network): the points earned by any of its shares, and the share the card shows:
    # the newest one that left, else the newest one on its way.
    earned: dict[tuple[int, str], int] = {}
    chosen: dict[tuple[int, str], tuple] = {}
    for share_id, post_id, network, status, method, moment, due, points in rows:
        key = (post_id, network)
        earned[key] = earned.get(key, 0) + (points or 0)
        left = status in COUNTED_SHARE_STATUSES
        current = chosen.get(key)
        if current is None or left or current[2] not in COUNTED_SHARE_STATUSES:
            chosen[key] = (share_id, method, status, moment if left else due)
    order = {key: n for n, key in enumerate(networks.NETWORKS)}
    for (post_id, network), (share_id, method, status, at) in sorted(
            chosen.items(), key=lambda item: (item[0][0], order.get(item[0][1], len(order)))):
        net = networks.NETWORKS.get(network)
        if net is None:
            continue
        points = earned[(post_id, network)]
        state = ("shared" if status in COUNTED_SHARE_STATUSES
                 else "unconfirmed" if status == ShareStatus.UNCONFIRMED else "planned")
        reason = _no_points_reason(net, org, points)
        will_earn = org.points_share if state != "shared" and points == 0 and reason in (None, "cap") else 0
        states[post_id].shares.append(NetworkShare(
            network=net, state=state, at=at, method=method, points=points, will_earn=will_earn,
            no_points_reason=None if state != "shared" else reason, share_id=share_id))
    return states


def not_shared_yet_first(*, membership: Membership) -> sa.ColumnElement:
    """An ORDER BY term that puts the posts the member has not shared (nor planned) before the others."""
    taken = (sa.select(sa.literal(1)).where(
        Share.post_id == Post.id, Share.org_id == membership.org_id, Share.membership_id == membership.id,
        Share.status.in_(TAKEN_STATUSES)).exists())
    return sa.case((taken, 1), else_=0)


@dataclass(frozen=True)
class Receipt:
    """What the member sees on the card right after an intent share (no-JS path): where to go next."""

    share: Share
    network: networks.Network
    url: str  # the member's short link
    intent_url: str | None  # the network's share page, to open next
    text: str  # what to paste where the network takes only the link ("" when it took the text itself)


def receipt(*, membership: Membership, share_id: int) -> Receipt | None:
    """The member's own intent share `share_id`, for the card's "continue" step, or None."""
    share = db.session.scalar(sa.select(Share).where(
        Share.id == share_id, Share.org_id == membership.org_id, Share.membership_id == membership.id,
        Share.method == ShareMethod.INTENT))
    if share is None or share.network not in networks.NETWORKS:
        return None
    net = networks.get(share.network)
    url = short_url(share.tracked_link.code)
    text = share.caption or ""
    intent = net.intent_url(url=url, text=text, title=sharing.link_title(share.post, membership))
    return Receipt(share=share, network=net, url=url, intent_url=intent,
                   text="" if sharing.carries_text(net) or not net.prefill_text else text)
