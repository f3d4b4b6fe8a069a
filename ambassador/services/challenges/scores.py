"""A challenge's board: each participant's score over the challenge's days, read like the leaderboards.

What counts (the same rules as points and leaderboards, read from the same rollup cells):
* shares: counted shares (models/sharing.py COUNTED_SHARE_STATUSES) on the org-local day they went out;
* clicks: counted clicks (bots and link previews filtered, one per visitor per link per hour, at most
  CLICKS_PER_ADDRESS_PER_LINK_PER_DAY a day; services/publishing/clicks.py);
* engagement: likes + reposts + replies + quotes the networks reported during the challenge's days;
* points: earned points (spending left out), daily caps applied as they were earned;
* answers: survey answers the member gave while signed in (SurveyResponse.membership_id), by the moment
  they answered — the only survey answers attributable to a member.
Networks whose rules forbid rewards for posting (Facebook, networks.py `earns_points`) never count: their
cells are left out for every goal.

Who takes part: active members of the chosen kind (all, internal, external); for an individual challenge with
chosen teams, members of one of them; a team challenge ranks the chosen teams (every team when none is chosen),
each scoring the sum of its eligible members' scores (a member of two chosen teams counts for both).

Ranking: competition ranks ("1, 2, 2, 4") by score; equal scores are listed by name (then id), as the
leaderboard does. One grouped statement over the rollup cells of the window, never one per member.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from ... import networks
from ...extensions import db
from ...models import (
    Challenge,
    ChallengeGoal,
    ChallengeKind,
    ChallengeMode,
    Membership,
    MemberStatus,
    Organization,
    RollupCell,
    SurveyResponse,
    Team,
    User,
)
from ...models.challenges import challenge_team
from ...models.organization import membership_team
from ..analytics.boards import display_name, sort_name
from ..analytics.periods import local_midnight_utc

# Networks whose shares never count in a challenge (Facebook: no rewards for posting).
EXCLUDED_NETWORKS = tuple(sorted(key for key, network in networks.NETWORKS.items() if not network.earns_points))
CELL_COLUMNS = {ChallengeGoal.SHARES: "shares", ChallengeGoal.CLICKS: "clicks",
                ChallengeGoal.ENGAGEMENT: "engagement", ChallengeGoal.POINTS: "points"}


@dataclass
class Entry:
    """One participant on the board: a member (membership_id) or a team (team_id)."""

    rank: int
    position: int
    name: str
    score: int
    membership_id: int | None = None
    team_id: int | None = None
    members: int = 0  # a team's eligible members


@dataclass
class Board:
    entries: list[Entry] = field(default_factory=list)  # the top N
    me: Entry | None = None  # the viewer's row (individual) or their best team's row (team)
    total: int = 0  # participants ranked
    sum: int = 0  # every participant's score together (individual) or every team's (team)
    leader_score: int = 0

    @property
    def me_outside_top(self) -> bool:
        return self.me is not None and all(e.position != self.me.position for e in self.entries)


def _member_scores(challenge: Challenge, org: Organization):
    """Subquery (mid, score): each member with anything counted in the challenge's days."""
    if challenge.goal == ChallengeGoal.ANSWERS:
        start = local_midnight_utc(org, challenge.first_day)
        end = local_midnight_utc(org, challenge.last_day + timedelta(days=1))
        answers = SurveyResponse
        return (sa.select(answers.membership_id.label("mid"), sa.func.count(answers.id).label("score"))
                .where(answers.org_id == org.id, answers.membership_id.is_not(None),
                       answers.created_at >= start, answers.created_at < end)
                .group_by(answers.membership_id).subquery())
    column = getattr(RollupCell, CELL_COLUMNS[ChallengeGoal(challenge.goal)])
    return (sa.select(RollupCell.membership_id.label("mid"), sa.func.sum(column).label("score"))
            .where(RollupCell.org_id == org.id, RollupCell.day >= challenge.first_day,
                   RollupCell.day <= challenge.last_day, RollupCell.network.not_in(EXCLUDED_NETWORKS))
            .group_by(RollupCell.membership_id).subquery())


def _eligible_members(challenge: Challenge):
    query = sa.select(Membership.id).where(Membership.org_id == challenge.org_id,
                                           Membership.status == MemberStatus.ACTIVE)
    if challenge.kind != ChallengeKind.ALL:
        query = query.where(Membership.kind == challenge.kind)
    return query


def _chosen_teams(challenge: Challenge):
    return sa.select(challenge_team.c.team_id).where(challenge_team.c.challenge_id == challenge.id)


def _has_chosen_teams(challenge: Challenge) -> bool:
    return db.session.scalar(sa.select(sa.exists(_chosen_teams(challenge)))) or False


def _individual_ranked(challenge: Challenge, org: Organization):
    scores = _member_scores(challenge, org)
    score = sa.func.coalesce(scores.c.score, 0)
    query = (sa.select(Membership.id.label("membership_id"), User.name.label("name"), User.email.label("email"),
                       score.label("score"),
                       sa.func.rank().over(order_by=score.desc()).label("rank"),
                       sa.func.row_number().over(order_by=(score.desc(), sort_name(), Membership.id)).label("position"),
                       sa.func.count().over().label("total"), sa.func.sum(score).over().label("sum"))
             .join(User, User.id == Membership.user_id)
             .outerjoin(scores, scores.c.mid == Membership.id)
             .where(Membership.id.in_(_eligible_members(challenge))))
    if _has_chosen_teams(challenge):
        query = query.where(Membership.id.in_(sa.select(membership_team.c.membership_id)
                                              .where(membership_team.c.team_id.in_(_chosen_teams(challenge)))))
    elif challenge.mode == ChallengeMode.TEAM:  # every team competes: members without a team do not
        query = query.where(Membership.id.in_(sa.select(membership_team.c.membership_id)
                                              .join(Team, Team.id == membership_team.c.team_id)
                                              .where(Team.org_id == org.id)))
    return query.subquery()


def _team_ranked(challenge: Challenge, org: Organization):
    scores = _member_scores(challenge, org)
    teams = sa.select(Team.id).where(Team.org_id == org.id)
    if _has_chosen_teams(challenge):
        teams = teams.where(Team.id.in_(_chosen_teams(challenge)))
    per_team = (sa.select(membership_team.c.team_id.label("tid"),
                          sa.func.coalesce(sa.func.sum(scores.c.score), 0).label("score"),
                          sa.func.count(membership_team.c.membership_id).label("members"))
                .outerjoin(scores, scores.c.mid == membership_team.c.membership_id)
                .where(membership_team.c.membership_id.in_(_eligible_members(challenge)))
                .group_by(membership_team.c.team_id).subquery())
    score = sa.func.coalesce(per_team.c.score, 0)
    return (sa.select(Team.id.label("team_id"), Team.name.label("name"), score.label("score"),
                      sa.func.coalesce(per_team.c.members, 0).label("members"),
                      sa.func.rank().over(order_by=score.desc()).label("rank"),
                      sa.func.row_number().over(order_by=(score.desc(), sa.func.lower(Team.name), Team.id))
                      .label("position"),
                      sa.func.count().over().label("total"), sa.func.sum(score).over().label("sum"))
            .outerjoin(per_team, per_team.c.tid == Team.id)
            .where(Team.id.in_(teams))
            .subquery())


def _ranked(challenge: Challenge):
    org = db.session.get_one(Organization, challenge.org_id)
    return _team_ranked(challenge, org) if challenge.mode == ChallengeMode.TEAM else _individual_ranked(challenge, org)


def member_table(challenge: Challenge):
    """Subquery: every eligible member (of a team challenge too: the chosen teams' members) with its score."""
    return _individual_ranked(challenge, db.session.get_one(Organization, challenge.org_id))


def _entry(challenge: Challenge, raw) -> Entry:
    if challenge.mode == ChallengeMode.TEAM:
        return Entry(rank=int(raw.rank), position=int(raw.position), name=raw.name, score=int(raw.score),
                     team_id=raw.team_id, members=int(raw.members))
    return Entry(rank=int(raw.rank), position=int(raw.position), name=display_name(raw.name, raw.email),
                 score=int(raw.score), membership_id=raw.membership_id)


def _my_teams(challenge: Challenge, membership_id: int) -> list[int]:
    return list(db.session.scalars(sa.select(membership_team.c.team_id)
                                   .where(membership_team.c.membership_id == membership_id)))


def board(challenge: Challenge, *, limit: int | None = 20, me_id: int | None = None) -> Board:
    """The top `limit` participants (all when None) and the viewer's own row (a team challenge: the viewer's
    best-placed team)."""
    team = challenge.mode == ChallengeMode.TEAM
    table = _ranked(challenge)
    my_teams = set(_my_teams(challenge, me_id)) if team and me_id is not None else set()
    mine = table.c.team_id.in_(my_teams) if team else table.c.membership_id == me_id
    query = sa.select(table).order_by(table.c.position)
    if limit is not None:
        query = query.where(sa.or_(table.c.position <= limit, mine) if me_id is not None else table.c.position <= limit)
    result = Board()
    for raw in db.session.execute(query):
        entry = _entry(challenge, raw)
        result.total, result.sum = int(raw.total), int(raw.sum or 0)
        is_mine = entry.team_id in my_teams if team else me_id is not None and entry.membership_id == me_id
        if is_mine and result.me is None:
            result.me = entry
        if limit is None or entry.position <= limit:
            result.entries.append(entry)
    result.leader_score = result.entries[0].score if result.entries else 0
    return result


def leaders(challenge: Challenge) -> list[Entry]:
    """The participants at rank 1 with a score above 0 (ties: all of them), in board order."""
    table = _ranked(challenge)
    return [_entry(challenge, raw) for raw in db.session.execute(
        sa.select(table).where(table.c.rank == 1, table.c.score > 0).order_by(table.c.position))]


def team_members(challenge: Challenge, team_id: int) -> list[Membership]:
    """A team's eligible members (who receive the prize of a team that wins)."""
    return list(db.session.scalars(
        sa.select(Membership).where(Membership.id.in_(_eligible_members(challenge)),
                                    Membership.id.in_(sa.select(membership_team.c.membership_id)
                                                      .where(membership_team.c.team_id == team_id)))
        .order_by(Membership.id)))
