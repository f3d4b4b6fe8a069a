"""The points ledger: append-only entries, daily caps, balances derived by summing."""
from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import NamedTuple, Protocol
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ... import networks
from ...extensions import db
from ...infra.json_sql import in_json_ids, json_ids
from ...models import Click, Membership, MemberStatus, Organization, PointsEntry, Share, utcnow


def local_day(org: Organization, at: datetime | None = None) -> date:
    """The organization's calendar day of a naive-UTC timestamp."""
    return zone_day(org.timezone, at or utcnow())


def zone_day(zone: str | None, at: datetime) -> date:
    """The calendar day in time zone `zone` (None: UTC) of a naive-UTC timestamp."""
    return at.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(zone or "UTC")).date()


def lock_members(membership_ids: Iterable[int]) -> None:
    """Serialize awards per member on PostgreSQL so two requests cannot both fill the cap.

    Always in id order, so two writers locking several members cannot deadlock.
    """
    lock_member_rows(db.session.connection(), set(membership_ids))


def lock_member_rows(conn: sa.Connection, ids: set[int]) -> None:
    """`lock_members` on a connection: one statement, the same SQL whatever the number of members (so the server
    prepares it once)."""
    if conn.dialect.name == "postgresql" and ids:
        conn.execute(_lock_statement(), {"ids": json_ids(sorted(ids))})


@functools.cache
def _lock_statement() -> sa.Select:
    return (sa.select(Membership.id).where(in_json_ids(Membership.id, "ids")).order_by(Membership.id)
            .with_for_update())


def _lock_member(membership_id: int) -> None:
    lock_members([membership_id])


def earned_today(*, membership_id: int, reason: str, day: date) -> int:
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PointsEntry.points), 0)).where(
            PointsEntry.membership_id == membership_id, PointsEntry.reason == reason, PointsEntry.day == day)
    ) or 0


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


def award_for(*, org: Organization, membership_id: int, reason: str, points: int, cap: int, ref: str,
              at: datetime | None = None) -> PointsEntry | None:
    """Points for any other source (an idea, a vote, an answered survey…) named by `ref`
    (e.g. "idea:12"): paid at most once per (reason, ref), within the member's daily cap for `reason`."""
    return _award(org=org, membership_id=membership_id, reason=reason, base=points, cap=cap, at=at or utcnow(),
                  ref=ref)


def award_share(*, share: Share) -> PointsEntry | None:
    """Points for a share (none for networks whose rules forbid rewards, e.g. Facebook); pays once."""
    return award_shares([share]).get(share.id)


def _earned(reason: str, member_ids: set[int], days: set[date]) -> defaultdict[tuple[int, date], int]:
    """{(member, day): points earned for `reason` that day} (0 when none), for the daily caps."""
    earned: defaultdict[tuple[int, date], int] = defaultdict(int)
    earned.update({(member, day): total for member, day, total in db.session.execute(
        sa.select(PointsEntry.membership_id, PointsEntry.day, sa.func.sum(PointsEntry.points))
        .where(PointsEntry.reason == reason, PointsEntry.membership_id.in_(member_ids), PointsEntry.day.in_(days))
        .group_by(PointsEntry.membership_id, PointsEntry.day))})
    return earned


class ShareRules(Protocol):
    """What share points depend on, of an organization (an Organization, or its columns read plainly)."""
    @property
    def id(self) -> int: ...
    @property
    def timezone(self) -> str | None: ...
    @property
    def points_share(self) -> int: ...
    @property
    def daily_share_points_cap(self) -> int: ...


class ShareFacts(Protocol):
    """What share points depend on, of a share (a Share, or its columns read plainly)."""
    @property
    def id(self) -> int: ...
    @property
    def org_id(self) -> int: ...
    @property
    def membership_id(self) -> int: ...
    @property
    def post_id(self) -> int: ...
    @property
    def network(self) -> str: ...
    @property
    def published_at(self) -> datetime | None: ...
    @property
    def created_at(self) -> datetime: ...


class ShareAward(NamedTuple):
    """A points entry to write for a share."""
    share_id: int
    org_id: int
    membership_id: int
    points: int
    day: date
    at: datetime


def earning(shares: Sequence[ShareFacts], orgs: Mapping[int, ShareRules]) -> list[ShareFacts]:
    """The shares that earn points: none on networks whose rules forbid rewards (Facebook), none in an
    organization that gives none for a share."""
    return [s for s in shares if networks.get(s.network).earns_points and orgs[s.org_id].points_share > 0]


def share_awards(unpaid: Sequence[ShareFacts], orgs: Mapping[int, ShareRules]) -> list[ShareAward]:
    """What the shares not paid yet earn, in time order, within each member's daily share cap (per organization,
    in its local day). The caller locked the members (lock_members), so the sums read here are final."""
    unpaid = sorted(earning(unpaid, orgs), key=lambda s: (s.published_at or s.created_at, s.id))
    if not unpaid:
        return []
    days = {s.id: zone_day(orgs[s.org_id].timezone, s.published_at or s.created_at) for s in unpaid}
    earned = _earned("share", {s.membership_id for s in unpaid}, set(days.values()))
    awards = []
    for s in unpaid:
        org, key = orgs[s.org_id], (s.membership_id, days[s.id])
        value = min(org.points_share, org.daily_share_points_cap - earned[key])
        if value > 0:
            earned[key] += value
            awards.append(ShareAward(s.id, org.id, s.membership_id, value, key[1], s.published_at or s.created_at))
    return awards


def award_shares(shares: Sequence[Share], *, members_locked: bool = False) -> dict[int, PointsEntry]:
    """Points for several shares in one go: each pays once, in time order, within its member's daily share cap
    (share_awards). Returns {share id: its entry}, for the shares paid now or before; a share the cap or the
    network leaves unpaid is not in it.

    The members are locked first (in id order; `members_locked`: the caller did), so the "already paid?" and
    "room under the cap?" checks see every award committed before ours.
    """
    orgs = {org_id: db.session.get_one(Organization, org_id) for org_id in sorted({s.org_id for s in shares})}
    paying = earning(shares, orgs)
    if not paying:
        return {}
    if not members_locked:
        lock_members(s.membership_id for s in paying)
    entries = {entry.share_id or 0: entry for entry in db.session.scalars(sa.select(PointsEntry).where(
        PointsEntry.reason == "share", PointsEntry.share_id.in_([s.id for s in paying])))}
    for award in share_awards([s for s in paying if s.id not in entries], orgs):
        entries[award.share_id] = PointsEntry(org_id=award.org_id, membership_id=award.membership_id,
                                              points=award.points, reason="share", day=award.day,
                                              created_at=award.at, share_id=award.share_id)
        db.session.add(entries[award.share_id])
    db.session.flush()  # one flush: the rollups see every new entry (and the shares' changes) at once
    return entries


class ClickAward(NamedTuple):
    click_id: int
    at: datetime
    org: Organization
    membership_id: int
    network: str


def award_clicks(awards: Sequence[ClickAward]) -> int:
    """Points for counted clicks (the caller already filtered bots and repeats), in one go.

    Each click pays at most once, in time order, until the member's daily click cap
    (per organization, in its local day) is reached; none for networks whose rules forbid
    rewards (Facebook). Returns the number of entries written.
    """
    awards = [a for a in awards if networks.get(a.network).earns_points and a.org.points_click > 0]
    if not awards:
        return 0
    lock_members(a.membership_id for a in awards)
    # A deactivated member's old links still redirect, but no longer earn points.
    active = set(db.session.scalars(sa.select(Membership.id).where(
        Membership.id.in_({a.membership_id for a in awards}), Membership.status == MemberStatus.ACTIVE)))
    awards = [a for a in awards if a.membership_id in active]
    paid = set(db.session.scalars(sa.select(PointsEntry.click_id).where(
        PointsEntry.reason == "click", PointsEntry.click_id.in_([a.click_id for a in awards]))))
    awards = sorted((a for a in awards if a.click_id not in paid), key=lambda a: (a.at, a.click_id))
    days = {a.click_id: local_day(a.org, a.at) for a in awards}
    earned = _earned("click", {a.membership_id for a in awards}, set(days.values()))
    rows = []
    for a in awards:
        key = (a.membership_id, days[a.click_id])
        value = min(a.org.points_click, a.org.daily_click_points_cap - earned[key])
        if value > 0:
            earned[key] += value
            rows.append({"org_id": a.org.id, "membership_id": a.membership_id, "points": value, "reason": "click",
                         "click_id": a.click_id, "day": key[1], "created_at": a.at, "note": ""})
    if rows:
        # An ORM bulk insert (one batched statement): the rollups see it (services/analytics/rollups.py).
        db.session.execute(sa.insert(PointsEntry), rows)
    return len(rows)


def award_click(*, click: Click, membership_id: int, network: str, org: Organization) -> PointsEntry | None:
    """Points for one counted click; returns its entry (also when it was paid before), None if none."""
    award_clicks([ClickAward(click.id, click.created_at, org, membership_id, network)])
    return db.session.scalar(sa.select(PointsEntry).where(PointsEntry.reason == "click",
                                                          PointsEntry.click_id == click.id))


def balance(membership_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PointsEntry.points), 0)).where(
            PointsEntry.membership_id == membership_id)) or 0
