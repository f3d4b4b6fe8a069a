"""The worker's part: start challenges on their first day, end them after their last, crown the winners.

Days are the organization's local days (the rollup cells' days): a scheduled challenge starts once its
first day has come, a running one ends once its last day is over. Each move is a conditional UPDATE
(`WHERE status = 'scheduled'` / `'running'`), so when two workers run the job at once only one of them moves a
challenge, and only that one does what follows in the same transaction: at the end, the winners (every
participant at rank 1 with a score above 0 — competition ranking, a tie crowns everyone tied), the prize
for each winning member (a team's prize goes to each of its eligible members) as an approved redemption of the
catalogue reward costing 0 points, at most once per member (challenge_prize's primary key), the announcement
for the chat channels (services/community/announcements.py) and an email to each participant who scored, in
their language.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...infra import database
from ...infra.email import send_email
from ...infra.upsert import insert_ignoring_duplicates
from ...infra.urls import absolute_url
from ...models import (
    Challenge,
    ChallengePrize,
    ChallengeStatus,
    ChallengeWinner,
    Membership,
    Organization,
    Redemption,
    RedemptionStatus,
    Reward,
    User,
    utcnow,
)
from ..community import announcements
from ..community.points import zone_day
from ..hooks import endpoints as hooks
from ..notify import webhooks
from . import scores
from .texts import score_text


def advance(now: datetime | None = None) -> dict[str, int]:
    """Start and end what is due, one challenge per transaction (the caller commits the last)."""
    now = now or utcnow()
    started = ended = 0
    rows = db.session.execute(
        sa.select(Challenge.id, Challenge.status, Challenge.first_day, Challenge.last_day, Organization.timezone)
        .join(Organization, Organization.id == Challenge.org_id)
        .where(Challenge.status.in_((ChallengeStatus.SCHEDULED, ChallengeStatus.RUNNING)))
        .order_by(Challenge.id)).all()
    for cid, status, first_day, last_day, zone in rows:
        today = zone_day(zone, now)
        if status == ChallengeStatus.SCHEDULED and first_day <= today:
            database.begin_write()
            started += start(challenge_id=cid, now=now)
        if last_day < today:
            database.begin_write()
            ended += end(challenge_id=cid, now=now)
    return {"started": started, "ended": ended}


def start(*, challenge_id: int, now: datetime | None = None) -> bool:
    return database.changed_rows(
        sa.update(Challenge).where(Challenge.id == challenge_id, Challenge.status == ChallengeStatus.SCHEDULED)
        .values(status=ChallengeStatus.RUNNING, started_at=now or utcnow())
        .execution_options(synchronize_session=False)) == 1


def end(*, challenge_id: int, now: datetime | None = None) -> bool:
    """running → ended, then winners, prizes and announcements (only by the call that moved it). Flushes."""
    moved = database.changed_rows(
        sa.update(Challenge).where(Challenge.id == challenge_id, Challenge.status == ChallengeStatus.RUNNING)
        .values(status=ChallengeStatus.ENDED, ended_at=now or utcnow())
        .execution_options(synchronize_session=False)) == 1
    if moved:
        challenge = db.session.get_one(Challenge, challenge_id)
        db.session.refresh(challenge)
        _crown(challenge)
        hooks.emit(challenge.org_id, "challenge.ended", {
            "challenge_id": challenge.id, "title": challenge.title,
            "ended_at": challenge.ended_at.isoformat() if challenge.ended_at else None,
            "winners": [{"rank": w.rank, "name": w.name, "member_id": w.membership_id, "team_id": w.team_id,
                         "score": w.score} for w in db.session.scalars(
                sa.select(ChallengeWinner).where(ChallengeWinner.challenge_id == challenge.id)
                .order_by(ChallengeWinner.rank, ChallengeWinner.id))]})
    return moved


def _crown(challenge: Challenge) -> None:
    leaders = scores.leaders(challenge)
    prize_to: list[int] = []
    for entry in leaders:
        db.session.add(ChallengeWinner(challenge_id=challenge.id, membership_id=entry.membership_id,
                                       team_id=entry.team_id, name=entry.name[:160], rank=entry.rank,
                                       score=entry.score))
        if entry.team_id is not None:
            prize_to += [m.id for m in scores.team_members(challenge, entry.team_id)]
        elif entry.membership_id is not None:
            prize_to.append(entry.membership_id)
    db.session.flush()
    reward = challenge.reward if challenge.reward_id else None
    if reward is not None:
        for membership_id in dict.fromkeys(prize_to):
            grant_prize(challenge=challenge, reward=reward, membership_id=membership_id)
    _announce(challenge, leaders, winners=set(prize_to))


def grant_prize(*, challenge: Challenge, reward: Reward, membership_id: int) -> Redemption | None:
    """The reward for one winner, once: an approved redemption of 0 points the team hands over (it shows in the
    winner's history and in the requests to fulfil). None when this member already has it."""
    if not db.session.execute(sa.select(sa.literal(1)).where(
            Membership.id == membership_id, Membership.org_id == challenge.org_id)).first():
        raise ValueError("member of another organization")
    claimed = insert_ignoring_duplicates(ChallengePrize, {"challenge_id": challenge.id, "membership_id": membership_id,
                                                         "created_at": utcnow()},
                                         keys=("challenge_id", "membership_id"))
    if not claimed:
        return None
    now = utcnow()
    redemption = Redemption(org_id=challenge.org_id, reward_id=reward.id, membership_id=membership_id, points=0,
                            reward_title=reward.title, status=RedemptionStatus.APPROVED, decided_at=now)
    db.session.add(redemption)
    db.session.flush()
    db.session.execute(sa.update(ChallengePrize).where(ChallengePrize.challenge_id == challenge.id,
                                                       ChallengePrize.membership_id == membership_id)
                       .values(redemption_id=redemption.id).execution_options(synchronize_session=False))
    # One item of a limited stock goes to the winner while there is one (a prize promised by the rules is
    # granted even when the catalogue has run out; the team sees it among the approved requests).
    db.session.execute(sa.update(Reward).where(Reward.id == reward.id, Reward.stock > 0)
                       .values(stock=Reward.stock - 1).execution_options(synchronize_session=False))
    return redemption


def winners_line(challenge: Challenge, leaders: list[scores.Entry]) -> str:
    """"Winner: Ann (12 shares)" in the current language (call inside force_locale)."""
    if not leaders:
        return _("No winner: nothing was counted during the challenge.")
    names = ", ".join(entry.name for entry in leaders)
    figure = score_text(challenge.goal, leaders[0].score)
    return ngettext("Winner: %(names)s (%(score)s).", "Winners, tied: %(names)s (%(score)s each).",
                    len(leaders), names=names, score=figure)


def _announce(challenge: Challenge, leaders: list[scores.Entry], *, winners: set[int]) -> None:
    org = db.session.get_one(Organization, challenge.org_id)
    url = absolute_url("challenges.detail", challenge_id=challenge.id)
    with force_locale(org.default_locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        title = _("Challenge “%(title)s” has ended", title=challenge.title)
        line = winners_line(challenge, leaders)
        if announcements.announce(org_id=org.id, topic="challenge_ended", ref=f"challenge:{challenge.id}",
                                  title=title, text=line, url=url):
            # The chat channels' outbox (services/notify) takes it in this transaction: handed over, not pending.
            webhooks.notify(org, webhooks.EVENT_CHALLENGE_ENDED, f"{title}. {line}", url,
                            team_ids=[team.id for team in challenge.teams] or None)
            announcements.handed_over(org_id=org.id, topic="challenge_ended", ref=f"challenge:{challenge.id}")
    for membership, user, score in _scorers(challenge, winners):
        locale = user.locale or org.default_locale
        with force_locale(locale):
            line = winners_line(challenge, leaders)
            mine = score_text(challenge.goal, score)
        send_email(to=user.email, template="challenge_ended", org_id=org.id, locale=locale,
                   subject=_l("Challenge “%(title)s” has ended", title=challenge.title),
                   user=user, org=org, challenge=challenge, winners_line=line, my_score=mine,
                   won=membership.id in winners, prize=challenge.reward.title if challenge.reward and
                   membership.id in winners else None, link=url)


def _scorers(challenge: Challenge, winners: set[int]) -> list[tuple[Membership, User, int]]:
    """Every eligible member who scored, and every winner (a team's members), with their own score."""
    table = scores.member_table(challenge)
    rows = db.session.execute(sa.select(Membership, User, table.c.score)
                              .join(User, User.id == Membership.user_id)
                              .join(table, table.c.membership_id == Membership.id)
                              .where(sa.or_(table.c.score > 0, Membership.id.in_(winners)))
                              .order_by(Membership.id)).tuples().all()
    return [(m, u, int(s)) for m, u, s in rows]
