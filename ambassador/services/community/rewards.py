"""The rewards catalogue of an organization: items, who may redeem them, their images.

Curators and above manage it (web/rewards.py checks the role). Rewards are never deleted once
someone redeemed them (the history keeps pointing at them): they are made inactive instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from ...errors import ServiceError
from ...extensions import db
from ...infra import uploads
from ...models import MemberKind, Membership, MemberStatus, Organization, Team
from ...models.rewards import ELIGIBILITIES, Eligibility, Reward

MAX_COST = 1_000_000
MAX_STOCK = 1_000_000


class RewardError(ServiceError):
    """Problems by field name, e.g. {"points_cost": "…"}."""

    code = "reward"


@dataclass
class RewardInput:
    title: str
    points_cost: int | None
    description: str = ""
    stock: int | None = None  # None = unlimited
    eligibility: str = Eligibility.ALL
    team_ids: list[int] = field(default_factory=list)
    active: bool = True
    image: object | None = None  # a werkzeug FileStorage
    remove_image: bool = False


@dataclass
class CatalogueItem:
    reward: Reward
    problem: str | None  # why this member cannot redeem it (besides points), or None
    affordable: bool

    @property
    def redeemable(self) -> bool:
        return self.problem is None and self.affordable


def _validate(*, org: Organization, data: RewardInput) -> tuple[dict[str, str], list[Team]]:
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = _l("Give the reward a name.")
    elif len(data.title.strip()) > 160:
        errors["title"] = lazy_ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.", 160)
    if data.points_cost is None or not 0 < data.points_cost <= MAX_COST:
        errors["points_cost"] = _l("Enter a number of points between 1 and %(max)d.", max=MAX_COST)
    if data.stock is not None and not 0 <= data.stock <= MAX_STOCK:
        errors["stock"] = _l("Enter a stock between 0 and %(max)d, or leave it empty for unlimited.", max=MAX_STOCK)
    if data.eligibility not in ELIGIBILITIES:
        errors["eligibility"] = _l("Choose who can redeem it.")
    teams = list(db.session.scalars(sa.select(Team).where(Team.org_id == org.id,
                                                          Team.id.in_([int(i) for i in data.team_ids]))))
    if len(teams) != len(set(data.team_ids)):
        errors["teams"] = _l("Choose teams of this organization.")
    return errors, teams


def save_reward(*, org: Organization, data: RewardInput, reward: Reward | None = None) -> tuple[Reward, str | None]:
    """Create or update a reward; returns it and a replaced image to delete once committed.

    Nothing is written (no row, no file) unless every field is valid and the image is accepted.
    """
    if reward is not None and reward.org_id != org.id:
        raise ValueError("reward of another organization")
    errors, teams = _validate(org=org, data=data)
    if errors:
        raise RewardError(errors)
    stored = None
    if data.image is not None and getattr(data.image, "filename", None):
        try:
            stored = uploads.store_image(data.image, folder=f"org-{org.id}/rewards")
        except uploads.UploadError as exc:
            raise RewardError({"image": str(exc.args[0]) if exc.args else _l("The image was not accepted.")}) from None
    if reward is None:
        reward = Reward(org_id=org.id)
        db.session.add(reward)
    stale = None
    if stored is not None or data.remove_image:
        stale, reward.image_path = reward.image_path, stored.path if stored else None
    reward.title = data.title.strip()
    reward.description = data.description.strip()
    assert data.points_cost is not None  # refused above when missing
    reward.points_cost = data.points_cost
    reward.stock = data.stock
    reward.eligibility = data.eligibility
    reward.teams = teams
    reward.active = data.active
    try:
        db.session.flush()
    except Exception:
        if stored is not None:
            uploads.delete_file(stored.path)
        raise
    return reward, stale


def unavailable_reason(*, reward: Reward, membership: Membership) -> str | None:
    """Why `membership` cannot redeem `reward` (points aside), or None when it can."""
    if not reward.active or reward.org_id != membership.org_id:
        return _l("This reward is no longer available.")
    if membership.status != MemberStatus.ACTIVE:
        return _l("Only active members can redeem rewards.")
    if reward.eligibility == Eligibility.INTERNAL and membership.kind != MemberKind.INTERNAL:
        return _l("Not available for external ambassadors.")
    if reward.eligibility == Eligibility.EXTERNAL and membership.kind != MemberKind.EXTERNAL:
        return _l("Not available for internal ambassadors (employees).")
    if reward.teams and not {t.id for t in reward.teams} & {t.id for t in membership.teams}:
        return _l("Only for members of %(teams)s.", teams=", ".join(t.name for t in reward.teams))
    if reward.stock is not None and reward.stock <= 0:
        return _l("Out of stock.")
    return None


def rewards_of(*, org_id: int, active_only: bool = False) -> list[Reward]:
    query = sa.select(Reward).where(Reward.org_id == org_id)
    if active_only:
        query = query.where(Reward.active.is_(True))
    return list(db.session.scalars(query.order_by(Reward.active.desc(), Reward.points_cost, Reward.title)))


def catalogue(*, membership: Membership, balance: int) -> list[CatalogueItem]:
    """The active rewards a member sees, each with whether (and why not) they can redeem it.

    Rewards for another kind of ambassador or for teams the member is not in are left out;
    out-of-stock items stay visible (with the reason) so nobody wonders where they went.
    """
    items = []
    member_teams = {t.id for t in membership.teams}
    for reward in rewards_of(org_id=membership.org_id, active_only=True):
        if reward.eligibility not in (Eligibility.ALL, membership.kind):
            continue
        if reward.teams and not {t.id for t in reward.teams} & member_teams:
            continue
        items.append(CatalogueItem(reward=reward, problem=unavailable_reason(reward=reward, membership=membership),
                                   affordable=balance >= reward.points_cost))
    return items
