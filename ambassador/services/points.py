"""The points ledger: append-only entries, daily caps, balances derived by summing."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from .. import networks
from ..extensions import db
from ..models import Click, Membership, Organization, PointsEntry, Share, utcnow


def local_day(org: Organization, at: datetime | None = None) -> date:
    """The organization's calendar day of a naive-UTC timestamp."""
    at = at or utcnow()
    return at.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(org.timezone or "UTC")).date()


def _lock_member(membership_id: int) -> None:
    """Serialize awards per member on PostgreSQL so two requests cannot both fill the cap."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(Membership.id).where(Membership.id == membership_id).with_for_update())


def earned_today(*, membership_id: int, reason: str, day: date) -> int:
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PointsEntry.points), 0)).where(
            PointsEntry.membership_id == membership_id, PointsEntry.reason == reason, PointsEntry.day == day)
    )


def _award(*, org: Organization, membership_id: int, reason: str, base: int, cap: int, at: datetime,
           **source) -> PointsEntry | None:
    """Append one entry for `source` (share_id= or click_id=), at most once, within the daily cap.

    The member is locked first, so the "already paid?" and "room under the cap?" checks
    see every award committed before ours.
    """
    if base <= 0:
        return None
    _lock_member(membership_id)
    (column, source_id), = source.items()
    already = db.session.scalar(sa.select(PointsEntry).where(
        PointsEntry.reason == reason, getattr(PointsEntry, column) == source_id))
    if already is not None:
        return already
    day = local_day(org, at)
    room = cap - earned_today(membership_id=membership_id, reason=reason, day=day)
    points = min(base, room)
    if points <= 0:
        return None
    entry = PointsEntry(org_id=org.id, membership_id=membership_id, points=points, reason=reason, day=day,
                        created_at=at, **source)
    db.session.add(entry)
    db.session.flush()
    return entry


def award_share(*, share: Share) -> PointsEntry | None:
    """Points for a share (none for networks whose rules forbid rewards, e.g. Facebook); pays once."""
    if not networks.get(share.network).earns_points:
        return None
    org = db.session.get(Organization, share.org_id)
    return _award(org=org, membership_id=share.membership_id, reason="share", base=org.points_share,
                  cap=org.daily_share_points_cap, at=share.published_at or share.created_at, share_id=share.id)


def award_click(*, click: Click, membership_id: int, network: str, org: Organization) -> PointsEntry | None:
    """Points for a counted click on a member's link (the caller already filtered bots and repeats); pays once."""
    if not networks.get(network).earns_points:
        return None
    return _award(org=org, membership_id=membership_id, reason="click", base=org.points_click,
                  cap=org.daily_click_points_cap, at=click.created_at, click_id=click.id)


def balance(membership_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PointsEntry.points), 0)).where(
            PointsEntry.membership_id == membership_id))
