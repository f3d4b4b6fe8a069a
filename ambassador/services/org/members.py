"""Members of an organization: listing, roles, kinds, teams, status, join links and approvals.

Who may do what (the views enforce it with role_required + the checks below):

* **admin** — everything: organization settings, teams (create/rename/delete), roles of anyone,
  the outbox, inviting any role, editing and (de)activating any member.
* **manager** — the members list and the invitations list; inviting, editing (kind, teams),
  deactivating and reactivating *ambassadors and curators*; approving or rejecting join
  requests; revoking and resending invitations for those roles. Managers never change roles
  and never touch admins or other managers.
* **curator / ambassador** — none of the above.

An organization always keeps at least one active admin: demoting or deactivating the last
one is refused with a message. Deactivation keeps the membership row (history, points,
shares stay); a deactivated member simply cannot act in the organization any more.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import contains_eager, selectinload

from ...errors import ServiceError
from ...extensions import db
from ...infra.email import send_email
from ...models import (
    KINDS,
    MEMBER_STATUSES,
    ROLE_RANK,
    ROLES,
    MemberKind,
    Membership,
    MemberStatus,
    Organization,
    Role,
    Team,
    User,
)
from ...models.organization import membership_team
from ..audit import actions as audit_actions
from ..audit.log import Origin, record
from ..hooks import endpoints as hooks

# How a role is named on screen and in emails (the invitation names the role it grants).
ROLE_LABELS = {"admin": _l("Administrator"), "manager": _l("Manager"), "curator": _l("Curator"),
               "ambassador": _l("Ambassador")}


class MemberError(ServiceError):
    """A change that is refused, with a message for the person."""

    code = "member"


NOT_PENDING = _l("This person is not waiting for approval.")


def can_manage(actor: Membership, role: str) -> bool:
    """May `actor` invite, edit or (de)activate someone with `role`?"""
    if actor.has_role(Role.ADMIN):
        return True
    return actor.has_role(Role.MANAGER) and ROLE_RANK[role] < ROLE_RANK[Role.MANAGER]


def assignable_roles(actor: Membership) -> tuple[str, ...]:
    """Roles `actor` may hand out in an invitation or CSV import (most powerful first)."""
    return tuple(role for role in ROLES if can_manage(actor, role))


def membership_of(*, org: Organization, user: User) -> Membership | None:
    return db.session.scalar(sa.select(Membership).where(Membership.org_id == org.id, Membership.user_id == user.id))


def _member_filters(*, org: Organization, q: str, role: str, kind: str, team_id: int | None,
                    status: str) -> tuple[list, bool]:
    """member_query's conditions, and whether they read the user (a search by name or email)."""
    where = [Membership.org_id == org.id]
    q = (q or "").strip().lower()
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(sa.or_(sa.func.lower(User.name).like(pattern, escape="\\"),
                            User.email.like(pattern, escape="\\")))
    if role in ROLES:
        where.append(Membership.role == role)
    if kind in KINDS:
        where.append(Membership.kind == kind)
    if status in MEMBER_STATUSES:
        where.append(Membership.status == status)
    if team_id:
        in_team = sa.select(membership_team.c.membership_id).join(Team, Team.id == membership_team.c.team_id).where(
            Team.org_id == org.id, Team.id == team_id)
        where.append(Membership.id.in_(in_team))
    return where, bool(q)


# Members by name, then email (the people's index ix_user_name_email holds this order).
_BY_NAME = (sa.func.lower(User.name), User.email)


def member_query(*, org: Organization, q: str = "", role: str = "", kind: str = "", team_id: int | None = None,
                 status: str = "") -> sa.Select:
    """Members of `org` matching the filters (name or email contains `q`), pending first, then by name.

    The user comes with each row (the join is there anyway) and the teams of a whole page in one more query,
    so a page of members costs the same number of statements whatever its size.
    """
    where, _reads_user = _member_filters(org=org, q=q, role=role, kind=kind, team_id=team_id, status=status)
    pending_first = sa.case((Membership.status == MemberStatus.PENDING, 0), else_=1)
    return _with_person_and_teams().where(*where).order_by(pending_first, *_BY_NAME)


def _with_person_and_teams() -> sa.Select:
    """Memberships with their person (joined: filters and order read it) and their teams (one more statement)."""
    return (sa.select(Membership).join(User, Membership.user_id == User.id)
            .options(contains_eager(Membership.user), selectinload(Membership.teams)))


def member_page(*, org: Organization, offset: int, limit: int, q: str = "", role: str = "", kind: str = "",
                team_id: int | None = None, status: str = "") -> list[Membership]:
    """member_query's rows `offset` to `offset + limit`, in its order, found in two parts: the pending members
    matching the filters (counted first: a few), then the others. Each part is ordered by name, then email, which
    the people's (lower(name), email) index holds, so the database walks it and stops after the page instead of
    sorting every joined member for each page (100,000 members: about 57 ms a page before). Then those members
    with their person and teams, in a constant number of statements."""
    where, reads_user = _member_filters(org=org, q=q, role=role, kind=kind, team_id=team_id, status=status)
    pending = Membership.status == MemberStatus.PENDING

    def part(condition, start: int, count: int) -> list[int]:
        return list(db.session.scalars(
            sa.select(Membership.id).join(User, Membership.user_id == User.id).where(*where, condition)
            .order_by(*_BY_NAME).offset(start).limit(count)))

    first = _count([*where, pending], reads_user=reads_user)
    ids = part(pending, offset, limit) if offset < first else []
    if len(ids) < limit:
        ids += part(~pending, max(offset - first, 0), limit - len(ids))
    if not ids:
        return []
    found = {m.id: m for m in db.session.scalars(_with_person_and_teams().where(Membership.id.in_(ids)))}
    return [found[mid] for mid in ids]


class MemberPagination(Pagination):
    """A page of members for the members page: member_page's rows, member_count's total."""

    def _query_items(self) -> list[Membership]:
        return member_page(offset=self._query_offset, limit=self.per_page, **self._query_args)

    def _query_count(self) -> int:
        return member_count(**self._query_args)


def member_count(*, org: Organization, q: str = "", role: str = "", kind: str = "", team_id: int | None = None,
                 status: str = "") -> int:
    """How many members member_query finds with the same filters: the memberships alone unless searching by
    name or email (every membership has its user), not a count over the joined, ordered rows — at 100,000
    members 25 ms against a few."""
    where, reads_user = _member_filters(org=org, q=q, role=role, kind=kind, team_id=team_id, status=status)
    return _count(where, reads_user=reads_user)


def _count(where: list, *, reads_user: bool) -> int:
    query = sa.select(sa.func.count(Membership.id)).where(*where)
    if reads_user:
        query = query.join(User, Membership.user_id == User.id)
    return db.session.scalar(query) or 0


def count_pending(*, org: Organization) -> int:
    return db.session.scalar(sa.select(sa.func.count(Membership.id)).where(
        Membership.org_id == org.id, Membership.status == MemberStatus.PENDING)) or 0


def _ensure_other_admin(membership: Membership) -> None:
    """Refuse when `membership` is the organization's last active admin.

    The admin rows are locked (PostgreSQL) so two admins demoting each other at the same
    time cannot both succeed.
    """
    if not (membership.role == Role.ADMIN and membership.status == MemberStatus.ACTIVE):
        return
    admins = db.session.scalars(
        sa.select(Membership.id)
        .where(Membership.org_id == membership.org_id, Membership.role == Role.ADMIN,
               Membership.status == MemberStatus.ACTIVE)
        .with_for_update()
    ).all()
    if not any(admin_id != membership.id for admin_id in admins):
        raise MemberError(_l("%(name)s is the last administrator. Make someone else an administrator first.",
                             name=membership.user.display_name))


def _check_may_manage(actor: Membership, membership: Membership) -> None:
    if actor.org_id != membership.org_id or not can_manage(actor, membership.role):
        raise MemberError(_l("You may not change this member."))


def update_member(*, actor: Membership, membership: Membership, role: str, kind: str, teams: list[Team],
                  origin: Origin | None = None) -> Membership:
    """Change role (admins only), kind and teams of a member."""
    _check_may_manage(actor, membership)
    if role not in ROLES:
        raise MemberError(_l("Unknown role."))
    if kind not in KINDS:
        raise MemberError(_l("Unknown kind."))
    if role != membership.role:
        if not actor.has_role(Role.ADMIN):
            raise MemberError(_l("Only administrators change roles."))
        if role != "admin":
            _ensure_other_admin(membership)
    if any(team.org_id != membership.org_id for team in teams):
        raise MemberError(_l("Unknown team."))
    if role != membership.role:
        _audit(audit_actions.MEMBER_ROLE_CHANGED, actor, membership, origin, {"old": membership.role, "new": role})
    if kind != membership.kind:
        _audit(audit_actions.MEMBER_KIND_CHANGED, actor, membership, origin, {"old": membership.kind, "new": kind})
    membership.role, membership.kind, membership.teams = role, kind, list(teams)
    db.session.flush()
    return membership


def _audit(action: str, actor: Membership, membership: Membership, origin: Origin | None,
           details: dict | None = None) -> None:
    record(action, org_id=membership.org_id, actor=actor.user, origin=origin, target_type="member",
           target_id=membership.id, target_label=membership.user.email, details=details)


def _move(actor: Membership, membership: Membership, *, from_status: str, to_status: str, refusal) -> Membership:
    """Change a member's status from `from_status` to `to_status`, or refuse with `refusal`."""
    _check_may_manage(actor, membership)
    if membership.status != from_status:
        raise MemberError(refusal)
    membership.status = to_status
    db.session.flush()
    return membership


def deactivate_member(*, actor: Membership, membership: Membership, origin: Origin | None = None) -> Membership:
    _check_may_manage(actor, membership)
    if membership.status == MemberStatus.DEACTIVATED:
        return membership
    _ensure_other_admin(membership)
    membership.status = MemberStatus.DEACTIVATED
    _audit(audit_actions.MEMBER_DEACTIVATED, actor, membership, origin)
    db.session.flush()
    return membership


def reactivate_member(*, actor: Membership, membership: Membership, origin: Origin | None = None) -> Membership:
    _move(actor, membership, from_status=MemberStatus.DEACTIVATED, to_status=MemberStatus.ACTIVE,
          refusal=_l("Only deactivated members can be reactivated."))
    _audit(audit_actions.MEMBER_REACTIVATED, actor, membership, origin)
    return membership


def approve_member(*, actor: Membership, membership: Membership) -> Membership:
    """Let a pending join request in."""
    _move(actor, membership, from_status=MemberStatus.PENDING, to_status=MemberStatus.ACTIVE, refusal=NOT_PENDING)
    announce_joined(membership)
    return membership


def announce_joined(membership: Membership) -> None:
    """The `member.joined` event webhook, for a membership that has just become active."""
    hooks.emit(membership.org_id, "member.joined", {
        "member_id": membership.id, "name": membership.user.display_name, "email": membership.user.email,
        "role": membership.role, "kind": membership.kind, "source": membership.source,
        "team_ids": [team.id for team in membership.teams]})


def reject_member(*, actor: Membership, membership: Membership) -> None:
    """Turn a pending join request down: it had no activity, so the row goes (they may ask again)."""
    _check_may_manage(actor, membership)
    if membership.status != MemberStatus.PENDING:
        raise MemberError(NOT_PENDING)
    db.session.delete(membership)
    db.session.flush()


def send_approved_email(*, membership: Membership, link: str) -> None:
    """Tell an approved person they are in (kept in the outbox without SMTP)."""
    org = membership.organization
    send_email(to=membership.user.email, subject=_l("Welcome to %(org)s on Ambassador", org=org.name),
               template="join_approved", org_id=org.id, locale=membership.user.locale or org.default_locale,
               user=membership.user, org=org, link=link)


# --- Join links -------------------------------------------------------------------------------

@dataclass
class JoinTarget:
    org: Organization
    team: Team | None = None

    @property
    def enabled(self) -> bool:
        return self.org.join_enabled


def join_target(token: str) -> JoinTarget | None:
    """The organization (and team) a join link token points to, or None when unknown."""
    if not token or len(token) > 64:
        return None
    org = db.session.scalar(sa.select(Organization).where(Organization.join_token == token))
    if org is not None:
        return JoinTarget(org=org)
    team = db.session.scalar(sa.select(Team).where(Team.join_token == token))
    if team is not None:
        return JoinTarget(org=team.organization, team=team)
    return None


def join_via_link(*, target: JoinTarget, user: User) -> tuple[Membership, bool]:
    """Make `user` an external ambassador through a join link; (membership, created).

    The organization's join_enabled switch covers its own link and every team link; with
    join_requires_approval the membership stays "pending" until a manager approves it.
    A disabled link or a deactivated membership is refused; an existing active or pending
    membership is returned as it is (joining a team link adds the team).
    """
    if not target.enabled:
        raise MemberError(_l("This join link is switched off."))
    membership = membership_of(org=target.org, user=user)
    if membership is not None:
        if membership.status == MemberStatus.DEACTIVATED:
            raise MemberError(_l("Your membership of %(org)s was deactivated. Ask an administrator to reactivate it.",
                                 org=target.org.name))
        if target.team is not None and target.team not in membership.teams:
            membership.teams.append(target.team)
            db.session.flush()
        return membership, False
    status = MemberStatus.PENDING if target.org.join_requires_approval else MemberStatus.ACTIVE
    membership = Membership(org_id=target.org.id, user_id=user.id, role=Role.AMBASSADOR, kind=MemberKind.EXTERNAL,
                            status=status, source="join", teams=[target.team] if target.team else [])
    db.session.add(membership)
    db.session.flush()
    if status == MemberStatus.ACTIVE:
        announce_joined(membership)
    return membership, True
