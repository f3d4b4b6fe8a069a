"""Teams group members (departments, regions, customer groups); each has its own join link."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from ...errors import ServiceError
from ...extensions import db
from ...infra.tokens import new_token
from ...models import Organization, Team
from ...models.organization import membership_team

MAX_TEAM_NAME = 80


class TeamError(ServiceError):
    """A team change the person can fix (empty or taken name)."""

    code = "team"


def clean_team_name(name: str) -> str:
    return " ".join((name or "").split())


def find_team(*, org: Organization, name: str) -> Team | None:
    """Team names are unique per organization, compared case-insensitively."""
    name = clean_team_name(name)
    # The exact name too: SQLite's lower() folds ASCII only, so "É" would miss a team called "É".
    return db.session.scalar(sa.select(Team).where(Team.org_id == org.id, sa.or_(
        Team.name == name, sa.func.lower(Team.name) == name.lower())).order_by(Team.id).limit(1))


def _checked_name(*, org: Organization, name: str, team: Team | None = None) -> str:
    name = clean_team_name(name)
    if not name:
        raise TeamError(_l("Give the team a name."))
    if len(name) > MAX_TEAM_NAME:
        raise TeamError(lazy_ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.",
                                      MAX_TEAM_NAME))
    other = find_team(org=org, name=name)
    if other is not None and (team is None or other.id != team.id):
        raise TeamError(_l("There is already a team called %(name)s.", name=other.name))
    return name


def create_team(*, org: Organization, name: str) -> Team:
    team = Team(org_id=org.id, name=_checked_name(org=org, name=name), join_token=new_token())
    db.session.add(team)
    db.session.flush()
    return team


def find_or_create_team(*, org: Organization, name: str) -> tuple[Team, bool]:
    """The team called `name` (created when missing) and whether it was created."""
    team = find_team(org=org, name=name)
    if team is not None:
        return team, False
    return create_team(org=org, name=name), True


def rename_team(*, team: Team, name: str) -> Team:
    team.name = _checked_name(org=team.organization, name=name, team=team)
    db.session.flush()
    return team


def delete_team(*, team: Team) -> None:
    """Members stay in the organization; only their link to this team goes (FK cascade)."""
    db.session.delete(team)
    db.session.flush()


def regenerate_team_join_token(*, team: Team) -> Team:
    """The old team join link stops working at once."""
    team.join_token = new_token()
    db.session.flush()
    return team


def teams_of(org: Organization) -> list[Team]:
    return list(db.session.scalars(sa.select(Team).where(Team.org_id == org.id).order_by(Team.name)))


def member_counts(org: Organization) -> dict[int, int]:
    """{team id: its members, whatever their status} for the organization's teams with any, in one grouped query
    (not every membership of every team loaded to count them)."""
    rows = db.session.execute(sa.select(membership_team.c.team_id, sa.func.count())
                              .join(Team, Team.id == membership_team.c.team_id)
                              .where(Team.org_id == org.id).group_by(membership_team.c.team_id))
    return {team_id: int(n) for team_id, n in rows}


def teams_by_ids(*, org: Organization, ids) -> list[Team]:
    """Only this organization's teams: ids of another organization's teams are ignored."""
    ids = [int(i) for i in ids or []]
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Team).where(Team.org_id == org.id, Team.id.in_(ids)).order_by(Team.name)))
