"""Creating, editing, publishing and listing challenges (managers and above: web/challenges.py checks the role).

A challenge is edited while it is a draft or scheduled; once running, its rules (goal, days, who takes part)
are fixed — only its title and description may still change — so a board never changes its meaning mid-way.
Publishing turns a draft into a scheduled challenge, which members see; the worker starts and ends it
(runs.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy.orm import selectinload

from ...errors import ServiceError
from ...extensions import db
from ...infra import database
from ...infra.urls import absolute_url
from ...models import (
    Challenge,
    ChallengeGoal,
    ChallengeKind,
    ChallengeMode,
    ChallengeStatus,
    ChallengeWinner,
    Membership,
    Organization,
    Reward,
    Team,
    utcnow,
)
from ..community.points import local_day
from ..notify import webhooks

MAX_DAYS = 366
MAX_TARGET = 10_000_000
EDITABLE = (ChallengeStatus.DRAFT, ChallengeStatus.SCHEDULED)


def _at_most(limit: int):
    return lazy_ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.", limit)


class ChallengeError(ServiceError):
    """Problems by field name, e.g. {"last_day": "…"}."""

    code = "challenge"


@dataclass
class ChallengeInput:
    title: str
    goal: str
    first_day: date | None
    last_day: date | None
    description: str = ""
    mode: str = ChallengeMode.INDIVIDUAL
    kind: str = ChallengeKind.ALL
    target: int | None = None
    reward_id: int | None = None
    team_ids: list[int] = field(default_factory=list)


def _validate_days(data: ChallengeInput, *, today: date, errors: dict[str, str], was: Challenge | None) -> None:
    if data.first_day is None:
        errors["first_day"] = _l("Enter the first day (YYYY-MM-DD).")
    if data.last_day is None:
        errors["last_day"] = _l("Enter the last day (YYYY-MM-DD).")
    if data.first_day is None or data.last_day is None:
        return
    if data.last_day < data.first_day:
        errors["last_day"] = _l("The challenge must end on or after its first day.")
    elif (data.last_day - data.first_day).days + 1 > MAX_DAYS:
        errors["last_day"] = lazy_ngettext("A challenge lasts at most %(num)d day.",
                                           "A challenge lasts at most %(num)d days.", MAX_DAYS)
    elif data.last_day < today:
        errors["last_day"] = _l("The last day has already passed: choose today or a later day.")
    if was is None and data.first_day < today - timedelta(days=MAX_DAYS):
        errors["first_day"] = _l("Choose a first day within the last year.")


def _validate(*, org: Organization, data: ChallengeInput, was: Challenge | None) -> tuple[list[Team], Reward | None]:
    errors: dict[str, str] = {}
    title = data.title.strip()
    if not title:
        errors["title"] = _l("Give the challenge a name.")
    elif len(title) > 160:
        errors["title"] = _at_most(160)
    if len(data.description) > 5000:
        errors["description"] = _at_most(5000)
    if data.goal not in tuple(ChallengeGoal):
        errors["goal"] = _l("Choose what the challenge counts.")
    if data.mode not in tuple(ChallengeMode):
        errors["mode"] = _l("Choose individual or team against team.")
    if data.kind not in tuple(ChallengeKind):
        errors["kind"] = _l("Choose which members take part.")
    if data.target is not None and not 0 < data.target <= MAX_TARGET:
        errors["target"] = _l("Enter a target between 1 and %(max)d, or leave it empty.", max=MAX_TARGET)
    _validate_days(data, today=local_day(org), errors=errors, was=was)
    ids = {int(i) for i in data.team_ids}
    teams = list(db.session.scalars(sa.select(Team).where(Team.org_id == org.id, Team.id.in_(ids)))) if ids else []
    if len(teams) != len(ids):
        errors["teams"] = _l("Choose teams of this organization.")
    elif data.mode == ChallengeMode.TEAM:
        available = len(teams) or db.session.scalar(sa.select(sa.func.count(Team.id)).where(Team.org_id == org.id))
        if (available or 0) < 2:
            errors["teams"] = _l("Team against team needs at least two teams.")
    reward = None
    if data.reward_id is not None:
        reward = db.session.scalar(sa.select(Reward).where(Reward.id == data.reward_id, Reward.org_id == org.id,
                                                           Reward.active.is_(True)))
        if reward is None:
            errors["reward_id"] = _l("Choose an active reward of the catalogue, or no prize.")
    if errors:
        raise ChallengeError(errors)
    return teams, reward


def save_challenge(*, org: Organization, data: ChallengeInput, author: Membership,
                   challenge: Challenge | None = None) -> Challenge:
    """Create a draft, or change a draft or scheduled challenge (a running one: its title and description only).
    Nothing is written unless every field is valid. Flushes."""
    if challenge is not None and challenge.org_id != org.id:
        raise ValueError("challenge of another organization")
    if challenge is not None and challenge.status not in EDITABLE:
        return _retitle(challenge, data)
    teams, reward = _validate(org=org, data=data, was=challenge)
    if challenge is None:
        challenge = Challenge(org_id=org.id, created_by_id=author.id, status=ChallengeStatus.DRAFT)
        db.session.add(challenge)
    challenge.title, challenge.description = data.title.strip(), data.description.strip()
    challenge.goal, challenge.mode, challenge.kind = data.goal, data.mode, data.kind
    assert data.first_day is not None and data.last_day is not None  # refused above when missing
    challenge.first_day, challenge.last_day = data.first_day, data.last_day
    challenge.target, challenge.reward_id = data.target, reward.id if reward else None
    challenge.teams = teams
    db.session.flush()
    return challenge


def _retitle(challenge: Challenge, data: ChallengeInput) -> Challenge:
    if challenge.status == ChallengeStatus.ENDED:
        raise ChallengeError(_l("This challenge has ended: it can no longer be changed."))
    title = data.title.strip()
    if not title or len(title) > 160:
        raise ChallengeError({"title": lazy_ngettext(
            "Give the challenge a name (at most %(num)d character).",
            "Give the challenge a name (at most %(num)d characters).", 160)})
    challenge.title, challenge.description = title, data.description.strip()[:5000]
    db.session.flush()
    return challenge


def publish(*, challenge: Challenge) -> Challenge:
    """draft → scheduled: members see it; the worker starts it on its first day. Once only."""
    moved = database.changed_rows(
        sa.update(Challenge).where(Challenge.id == challenge.id, Challenge.status == ChallengeStatus.DRAFT)
        .values(status=ChallengeStatus.SCHEDULED).execution_options(synchronize_session=False))
    db.session.refresh(challenge)
    if moved != 1:
        raise ChallengeError(_l("Only a draft can be published."))
    _announce_published(challenge)
    return challenge


def _announce_published(challenge: Challenge) -> None:
    """Tell the organization's chat channels (those of the challenge's teams too), queued in this transaction."""
    org = db.session.get_one(Organization, challenge.org_id)
    webhooks.announce(org, webhooks.EVENT_CHALLENGE,
                      _l("New challenge at %(org)s: %(title)s", org=org.name, title=challenge.title),
                      absolute_url("challenges.detail", challenge_id=challenge.id), challenge.teams)


def delete_draft(*, challenge: Challenge) -> None:
    if challenge.status != ChallengeStatus.DRAFT:
        raise ChallengeError(_l("Only a draft can be deleted."))
    db.session.delete(challenge)
    db.session.flush()


@dataclass
class Listing:
    running: list[Challenge]
    upcoming: list[Challenge]
    past: list[Challenge]
    drafts: list[Challenge]
    winners: dict[int, list[ChallengeWinner]]


def listing(*, org_id: int, staff: bool, past_limit: int = 20) -> Listing:
    """The organization's challenges by state (drafts only for staff), with the winners of the past ones."""
    query = (sa.select(Challenge).where(Challenge.org_id == org_id).options(selectinload(Challenge.reward))
             .order_by(Challenge.first_day, Challenge.id))

    def of(status: str) -> list[Challenge]:
        return list(db.session.scalars(query.where(Challenge.status == status)))

    past = list(db.session.scalars(query.where(Challenge.status == ChallengeStatus.ENDED)
                                   .order_by(None).order_by(Challenge.last_day.desc(), Challenge.id.desc())
                                   .limit(past_limit)))
    return Listing(running=of(ChallengeStatus.RUNNING), upcoming=of(ChallengeStatus.SCHEDULED), past=past,
                   drafts=of(ChallengeStatus.DRAFT) if staff else [],
                   winners=winners_of([c.id for c in past]))


def winners_of(challenge_ids: list[int]) -> dict[int, list[ChallengeWinner]]:
    found: dict[int, list[ChallengeWinner]] = {cid: [] for cid in challenge_ids}
    if challenge_ids:
        for winner in db.session.scalars(sa.select(ChallengeWinner).where(
                ChallengeWinner.challenge_id.in_(challenge_ids)).order_by(ChallengeWinner.rank, ChallengeWinner.name)):
            found[winner.challenge_id].append(winner)
    return found


def visible(*, challenge: Challenge, staff: bool) -> bool:
    """Members see published challenges; drafts only staff."""
    return staff or challenge.status != ChallengeStatus.DRAFT


def days_left(*, challenge: Challenge, org: Organization) -> int:
    """Whole org-local days until the end, today included (0 once over)."""
    return max(0, (challenge.last_day - max(local_day(org), challenge.first_day)).days + 1)


def rewards_for_prizes(*, org_id: int) -> list[Reward]:
    return list(db.session.scalars(sa.select(Reward).where(Reward.org_id == org_id, Reward.active.is_(True))
                                   .order_by(Reward.title, Reward.id)))


@dataclass
class Notices:
    running: list[Challenge]
    ended: list[Challenge]
    winners: dict[int, list[ChallengeWinner]]


NOTICE_DAYS = 7


def notices(*, org_id: int, limit: int = 3) -> Notices:
    """For the feed: the running challenges and those that ended in the last NOTICE_DAYS days, with winners."""
    since = utcnow() - timedelta(days=NOTICE_DAYS)
    running = list(db.session.scalars(sa.select(Challenge).where(
        Challenge.org_id == org_id, Challenge.status == ChallengeStatus.RUNNING)
        .order_by(Challenge.last_day, Challenge.id).limit(limit)))
    ended = list(db.session.scalars(sa.select(Challenge).where(
        Challenge.org_id == org_id, Challenge.status == ChallengeStatus.ENDED, Challenge.ended_at >= since)
        .order_by(Challenge.ended_at.desc(), Challenge.id.desc()).limit(limit)))
    return Notices(running=running, ended=ended, winners=winners_of([c.id for c in ended]))
