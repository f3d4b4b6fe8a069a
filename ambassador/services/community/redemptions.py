"""Redeeming rewards: the points leave the ledger at once and the balance never goes below zero.

The rule (DESIGN.md §5): two simultaneous redemptions of the last item, or of the last points,
must not both succeed. How:

* PostgreSQL: the member's row and then the reward's row are locked (SELECT … FOR UPDATE, always
  in that order, so two redeemers cannot deadlock); balance and stock are read again *after* the
  locks, so they include every redemption committed before ours.
* SQLite: writers are serialized; the caller opens the transaction with a write
  (database.begin_write), and `_lock` writes first too, so the check and the debit are one unit.
* And the database itself: the stock goes down with `UPDATE … SET stock = stock - 1 WHERE
  stock > 0` (rowcount checked) under a CHECK (stock >= 0).

Refusing (or a member canceling) returns the points once: the status changes with a conditional
UPDATE (only one of two simultaneous refusals wins) and the refund's ledger entry is unique per
(reason, ref).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy.orm import joinedload

from ...errors import ServiceError
from ...extensions import db
from ...infra import database
from ...models import Membership, Organization, PointsEntry, RedemptionStatus, utcnow
from ...models.rewards import OPEN_REDEMPTION_STATUSES, Redemption, Reward
from ..audit import actions as audit_actions
from ..audit.log import Origin, record
from ..hooks import endpoints as hooks
from . import points
from .rewards import unavailable_reason


class RedemptionError(ServiceError):
    code = "redemption"
    status = 409


def _lock(*, membership_id: int, reward_id: int) -> None:
    """Serialize redemptions of this member and of this reward (see the module docstring)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(Membership.id).where(Membership.id == membership_id).with_for_update())
        db.session.execute(sa.select(Reward.id).where(Reward.id == reward_id).with_for_update())
    else:
        db.session.execute(sa.update(Reward).where(sa.false()).values(stock=Reward.stock)
                           .execution_options(synchronize_session=False))


def _take_one(reward: Reward) -> None:
    """Take one item from a limited stock, or fail when none is left (the database decides)."""
    if reward.stock is None:
        return
    taken = database.changed_rows(
        sa.update(Reward).where(Reward.id == reward.id, Reward.stock > 0).values(stock=Reward.stock - 1)
        .execution_options(synchronize_session=False))
    if taken != 1:
        raise RedemptionError(_l("Out of stock: this reward has just run out."))
    db.session.refresh(reward, ["stock"])


def _return_one(reward_id: int) -> None:
    db.session.execute(sa.update(Reward).where(Reward.id == reward_id, Reward.stock.is_not(None))
                       .values(stock=Reward.stock + 1).execution_options(synchronize_session=False))


def redeem(*, membership: Membership, reward: Reward) -> Redemption:
    """Redeem `reward` for `membership`: debit its cost now, take one from the stock. Flushes."""
    if reward.org_id != membership.org_id:
        raise ValueError("reward of another organization")
    _lock(membership_id=membership.id, reward_id=reward.id)
    db.session.refresh(reward)  # the price, stock and state as they are now that we hold the lock
    db.session.refresh(membership)
    problem = unavailable_reason(reward=reward, membership=membership)
    if problem:
        raise RedemptionError(problem)
    balance = points.balance(membership.id)
    if balance < reward.points_cost:
        raise RedemptionError(lazy_ngettext(
            "Not enough points: this reward costs %(num)d point and you have %(balance)d.",
            "Not enough points: this reward costs %(num)d points and you have %(balance)d.",
            reward.points_cost, balance=balance))
    _take_one(reward)
    redemption = Redemption(org_id=reward.org_id, reward_id=reward.id, membership_id=membership.id,
                            points=reward.points_cost, reward_title=reward.title)
    db.session.add(redemption)
    db.session.flush()
    org = db.session.get_one(Organization, reward.org_id)
    db.session.add(PointsEntry(org_id=org.id, membership_id=membership.id, reason="redemption",
                               points=-reward.points_cost, ref=f"redemption:{redemption.id}",
                               day=points.local_day(org), note=reward.title[:255]))
    db.session.flush()
    hooks.emit(org.id, "redemption.requested", {"redemption_id": redemption.id, "reward_id": reward.id,
                                                "reward_title": reward.title, "points": redemption.points,
                                                "member_id": membership.id})
    return redemption


def _move(redemption: Redemption, *, from_statuses: tuple[str, ...], to: str, **values) -> bool:
    """Change the status only if it still is one of `from_statuses`; True when this call changed it."""
    moved = database.changed_rows(
        sa.update(Redemption).where(Redemption.id == redemption.id, Redemption.status.in_(from_statuses))
        .values(status=to, **values).execution_options(synchronize_session=False))
    db.session.refresh(redemption)
    return moved == 1


def approve(*, redemption: Redemption, actor: Membership) -> Redemption:
    if not _move(redemption, from_statuses=(RedemptionStatus.REQUESTED,), to=RedemptionStatus.APPROVED,
                 decided_by_id=actor.id,
                 decided_at=utcnow()):
        raise RedemptionError(_l("Only a new request can be approved."))
    return redemption


def fulfil(*, redemption: Redemption, actor: Membership, origin: Origin | None = None) -> Redemption:
    """Mark as handed over (approving it on the way when it was still a request)."""
    now = utcnow()
    values: dict[str, object] = {"fulfilled_at": now}
    if redemption.status == RedemptionStatus.REQUESTED:
        values.update(decided_by_id=actor.id, decided_at=now)
    if not _move(redemption, from_statuses=OPEN_REDEMPTION_STATUSES, to=RedemptionStatus.FULFILLED, **values):
        raise RedemptionError(_l("This redemption was already closed."))
    _audit(audit_actions.REDEMPTION_FULFILLED, redemption, actor, origin)
    return redemption


def _audit(action: str, redemption: Redemption, actor: Membership, origin: Origin | None, details=None) -> None:
    record(action, org_id=redemption.org_id, actor=actor.user, origin=origin, target_type="redemption",
           target_id=redemption.id, target_label=f"{redemption.reward_title} · {redemption.membership.user.email}",
           details={"points": redemption.points, **(details or {})})


def _refund(redemption: Redemption, note: str) -> PointsEntry:
    org = db.session.get_one(Organization, redemption.org_id)
    ref = f"refund:{redemption.id}"
    existing = db.session.scalar(sa.select(PointsEntry).where(PointsEntry.reason == "refund", PointsEntry.ref == ref))
    if existing is not None:
        return existing
    entry = PointsEntry(org_id=org.id, membership_id=redemption.membership_id, reason="refund",
                        points=redemption.points, ref=ref, day=points.local_day(org), note=note[:255])
    db.session.add(entry)
    _return_one(redemption.reward_id)
    db.session.flush()
    return entry


def refuse(*, redemption: Redemption, actor: Membership, reason: str, origin: Origin | None = None) -> Redemption:
    """Refuse with a reason the member sees; the points come back (once) and so does the item."""
    reason = (reason or "").strip()
    if not reason:
        raise RedemptionError(_l("Give a reason: the member sees it."))
    if not _move(redemption, from_statuses=OPEN_REDEMPTION_STATUSES, to=RedemptionStatus.REFUSED,
                 refusal_reason=reason[:500],
                 decided_by_id=actor.id, decided_at=utcnow()):
        raise RedemptionError(_l("This redemption was already closed."))
    _refund(redemption, redemption.reward_title)
    _audit(audit_actions.REDEMPTION_REJECTED, redemption, actor, origin, {"reason": reason[:500]})
    return redemption


def cancel(*, redemption: Redemption, membership: Membership) -> Redemption:
    """The member takes back a request nobody has handled yet; the points come back."""
    if redemption.membership_id != membership.id:
        raise ValueError("another member's redemption")
    if not _move(redemption, from_statuses=(RedemptionStatus.REQUESTED,), to=RedemptionStatus.CANCELED,
                 decided_at=utcnow()):
        raise RedemptionError(_l("This request is already being handled; ask the team to refuse it instead."))
    _refund(redemption, redemption.reward_title)
    return redemption


def own_redemption(*, membership: Membership, redemption_id: int) -> Redemption | None:
    return db.session.scalar(sa.select(Redemption).where(
        Redemption.id == redemption_id, Redemption.org_id == membership.org_id,
        Redemption.membership_id == membership.id))


def history(*, membership: Membership, limit: int = 50) -> list[Redemption]:
    return list(db.session.scalars(
        sa.select(Redemption).where(Redemption.org_id == membership.org_id, Redemption.membership_id == membership.id)
        .order_by(Redemption.created_at.desc(), Redemption.id.desc()).limit(limit)))


def requests_page(*, org_id: int, status: str, page: int, per_page: int):
    """The organization's redemptions in `status` (open ones oldest first: first come, first served)."""
    order = (Redemption.created_at, Redemption.id) if status in OPEN_REDEMPTION_STATUSES else (
        Redemption.created_at.desc(), Redemption.id.desc())
    query = (sa.select(Redemption).where(Redemption.org_id == org_id, Redemption.status == status)
             .options(joinedload(Redemption.membership).joinedload(Membership.user),
                      joinedload(Redemption.decided_by).joinedload(Membership.user)).order_by(*order))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def count_by_status(*, org_id: int) -> dict[str, int]:
    return dict(db.session.execute(sa.select(Redemption.status, sa.func.count(Redemption.id))
                                   .where(Redemption.org_id == org_id).group_by(Redemption.status)).tuples().all())
