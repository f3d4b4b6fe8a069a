"""What follows a share settling: its event webhook (`share.published` / `share.failed`) and, once a network
confirmed it, its points. Used by the member's own actions (services/publishing/linked_shares.py) and by the
worker's recorder (outcomes.py, published.py).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from ...models import Share, ShareStatus
from ..community import points
from ..hooks import endpoints as hooks
from .sharing import rewarded_pairs


class Announced(Protocol):
    """What a share's event webhook says (a Share, or its columns read plainly)."""
    @property
    def id(self) -> int: ...
    @property
    def org_id(self) -> int: ...
    @property
    def post_id(self) -> int: ...
    @property
    def membership_id(self) -> int: ...
    @property
    def network(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def external_url(self) -> str | None: ...
    @property
    def published_at(self) -> datetime | None: ...
    @property
    def error(self) -> str | None: ...


def announce_share(share: Share) -> None:
    """The `share.published` or `share.failed` event webhook: ids, the network and its URL (never a token)."""
    announce_shares([share])


def announce_shares(shares: Sequence[Announced]) -> None:
    """`announce_share` for a batch, in one query for the endpoints (the worker records outcomes in batches)."""
    events = []
    for share in shares:
        published = share.status == ShareStatus.PUBLISHED
        data = {"share_id": share.id, "post_id": share.post_id, "member_id": share.membership_id,
                "network": share.network, "url": share.external_url,
                "published_at": share.published_at.isoformat() if share.published_at else None}
        if not published:
            data["error"] = share.error
        events.append((share.org_id, "share.published" if published else "share.failed", data))
    hooks.emit_all(events)


P = TypeVar("P", bound=points.ShareFacts)


def payable(shares: Sequence[P]) -> list[P]:
    """The published API shares that earn share points: once per (member, post, network), so none whose
    (member, post, network) was already rewarded (an intent share, an earlier API share) and, of a batch, only
    the earliest of each. (Facebook's earn none either: points.share_awards.)"""
    rewarded = rewarded_pairs(shares)
    paying: list[P] = []
    for share in sorted(shares, key=lambda s: (s.published_at or s.created_at, s.id)):
        key = (share.membership_id, share.post_id, share.network)
        if key not in rewarded:
            rewarded.add(key)
            paying.append(share)
    return paying


def award_published(shares: Sequence[Share], *, members_locked: bool = False) -> int:
    """Points for published API shares (`payable`); how many were paid. `members_locked`: the caller locked
    their members (points.lock_members)."""
    paying = payable(shares)
    return len(points.award_shares(paying, members_locked=members_locked)) if paying else 0
