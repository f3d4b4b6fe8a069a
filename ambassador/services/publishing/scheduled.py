"""A member's shares through linked accounts, by state, and changing a scheduled one before it goes out.

The worker claims a due share by moving it from "scheduled" to "publishing". An edit is one
conditional UPDATE … WHERE status = 'scheduled', so when a worker has just claimed the share the
edit changes nothing and the member is told it is already going out (no half-edited post).
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ... import networks
from ...errors import ServiceError
from ...extensions import db
from ...infra import database
from ...models import Membership, Share, ShareMethod, ShareStatus
from .feed import check_publish_time
from .sharing import compose_share, short_url, split_short_link

# The states a member sees, in the order of the page's tabs.
STATES = tuple(status for status in ShareStatus if status != ShareStatus.SHARED)


class EditError(ServiceError):
    """The edit was not saved: messages keyed by field ("caption", "when") or "share" for the whole."""

    code = "scheduled_edit"


def _mine(membership: Membership) -> list:
    return [Share.org_id == membership.org_id, Share.membership_id == membership.id, Share.method == ShareMethod.API]


def counts(*, membership: Membership) -> dict[str, int]:
    """How many of the member's API shares are in each state."""
    rows = db.session.execute(sa.select(Share.status, sa.func.count(Share.id)).where(*_mine(membership))
                              .group_by(Share.status))
    found: dict[str, int] = dict.fromkeys(STATES, 0)
    found.update({status: int(n) for status, n in rows})
    return found


def shares_page(*, membership: Membership, state: str | None, page: int, per_page: int):
    """One page of the member's API shares (all states, or one): what waits, due soonest first, then the
    rest newest first."""
    query = (sa.select(Share).where(*_mine(membership))
             .options(selectinload(Share.post), selectinload(Share.account)))
    if state:
        query = query.where(Share.status == state)
    waiting = Share.status == ShareStatus.SCHEDULED
    query = query.order_by(sa.case((waiting, 0), else_=1), sa.case((waiting, Share.scheduled_at)).asc(),
                           Share.created_at.desc(), Share.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def own_api_share(*, membership: Membership, share_id: int) -> Share | None:
    """One of the member's own API shares in their current organization, or None (the caller answers 404)."""
    return db.session.scalar(sa.select(Share).where(Share.id == share_id, *_mine(membership)))


def editable_caption(share: Share) -> str:
    """The stored text without the member's short link at its end (the link is added back on saving).

    Matched by its code, not the whole address: the public base URL may differ from when it was stored.
    """
    return split_short_link(share)[0]


def added_length(share: Share) -> int:
    """What hashtags, disclosure and link add to the editable caption (for the live counter)."""
    net = networks.get(share.network)
    caption = editable_caption(share)
    return max(net.length(share.caption or "") - net.length(caption), 0)


def edit_scheduled(*, membership: Membership, share: Share, caption: str, at: datetime | None,
                   now: datetime | None = None) -> Share:
    """Change the caption and time of a share that has not started going out.

    Raises EditError, changing nothing, for a caption too long, a time in the past or after the
    post stops being live, or a share that is no longer scheduled (a worker claimed it).
    """
    if share.membership_id != membership.id or share.org_id != membership.org_id or share.method != ShareMethod.API:
        raise ValueError("not this member's API share")
    if share.status != ShareStatus.SCHEDULED:
        raise EditError({"share": _l("This share is no longer scheduled, so it cannot be changed.")})
    composed = compose_share(membership=membership, post=share.post, network=share.network, caption=caption,
                             url=short_url(share.tracked_link.code))
    errors = {}
    if composed.problem is not None:
        errors["caption"] = str(composed.problem)
    problem = check_publish_time(post=share.post, at=at, now=now)
    if problem:
        errors["when"] = problem
    if errors:
        raise EditError(errors)
    text = composed.text
    changed = database.changed_rows(
        sa.update(Share)
        .where(Share.id == share.id, Share.org_id == membership.org_id, Share.membership_id == membership.id,
               Share.method == ShareMethod.API, Share.status == ShareStatus.SCHEDULED)
        .values(caption=text, scheduled_at=at, next_attempt_at=at)
        .execution_options(synchronize_session=False))
    db.session.flush()
    db.session.refresh(share)
    if changed != 1:
        raise EditError({"share": _l("Too late to change it: this share is already going out.")})
    return share
