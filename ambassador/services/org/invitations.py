"""Invitations by email: single-use, expiring tokens of which only the hash is stored."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ...errors import ServiceError
from ...extensions import db
from ...infra import database
from ...infra.email import send_email
from ...infra.tokens import hash_token, new_token
from ...infra.urls import absolute_url
from ...models import (
    KINDS,
    ROLES,
    Invitation,
    MemberKind,
    Membership,
    MemberStatus,
    Organization,
    Role,
    Team,
    User,
    utcnow,
)
from .accounts import find_user, is_valid_email, normalize_email
from .email_verification import require_verified
from .members import ROLE_LABELS, announce_joined, can_manage, membership_of

# What a token can turn out to be; the join page explains each one.
VALID, EXPIRED, REVOKED, USED, UNKNOWN = "valid", "expired", "revoked", "used", "unknown"


class InvitationError(ServiceError):
    """An invitation that cannot be made or used; the message is for the person."""

    code = "invitation"


def invitation_link(token: str) -> str:
    """The absolute accept link for an email (works in a request, a job or the CLI)."""
    return absolute_url("join.invitation", token=token)


def status_of(invitation: Invitation, *, now=None) -> str:
    if invitation.revoked_at is not None:
        return REVOKED
    if invitation.accepted_at is not None:
        return USED
    if invitation.expires_at <= (now or utcnow()):
        return EXPIRED
    return VALID


def pending_invitation(*, org: Organization, email: str) -> Invitation | None:
    """The usable (not accepted, revoked or expired) invitation for `email`, if any."""
    return db.session.scalar(sa.select(Invitation).where(
        Invitation.org_id == org.id, Invitation.email == normalize_email(email), Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow()).order_by(Invitation.id.desc()).limit(1))


def check_invitable(*, org: Organization, email: str) -> str:
    """The normalized email, or InvitationError saying why it cannot be invited."""
    email = normalize_email(email or "")
    if not email or len(email) > 254 or not is_valid_email(email):
        raise InvitationError(_l("Not a valid email address."))
    user = find_user(email)
    membership = membership_of(org=org, user=user) if user is not None else None
    if membership is not None and membership.status != MemberStatus.DEACTIVATED:
        raise InvitationError(_l("Already a member."))
    if pending_invitation(org=org, email=email) is not None:
        raise InvitationError(_l("Already invited (the invitation is still pending)."))
    return email


def create_invitation(*, org: Organization, invited_by: Membership, email: str, name: str = "",
                      role: str = Role.AMBASSADOR, kind: str = MemberKind.INTERNAL, teams: list[Team] | None = None,
                      source: str = "invite", send: bool = True) -> tuple[Invitation, str]:
    """Create an invitation and email its link; returns (invitation, token). The token is never stored."""
    if role not in ROLES or not can_manage(invited_by, role):
        raise InvitationError(_l("You may not invite someone as %(role)s.", role=role))
    if send:
        require_verified(invited_by.user, InvitationError)
    if kind not in KINDS:
        raise InvitationError(_l("Unknown kind: use internal or external."))
    teams = list(teams or [])
    if any(team.org_id != org.id for team in teams):
        raise InvitationError(_l("Unknown team."))
    email = check_invitable(org=org, email=email)
    token = new_token()
    invitation = Invitation(
        org_id=org.id, email=email, name=" ".join((name or "").split())[:120], role=role, kind=kind,
        token_hash=hash_token(token), source=source, invited_by_id=invited_by.user_id, teams=teams,
        expires_at=utcnow() + timedelta(days=current_app.config["INVITATION_TTL_DAYS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    if send:
        send_invitation_email(invitation=invitation, token=token, inviter=invited_by.user)
    return invitation, token


def send_invitation_email(*, invitation: Invitation, token: str, inviter: User | None = None) -> None:
    org = invitation.organization
    send_email(to=invitation.email, subject=_l("You are invited to join %(org)s on Ambassador", org=org.name),
               template="invitation", org_id=org.id, locale=org.default_locale, invitation=invitation, org=org,
               inviter=inviter, role_label=ROLE_LABELS[invitation.role], link=invitation_link(token))


def find_by_token(token: str) -> tuple[Invitation | None, str]:
    """(invitation, status) for a token from a link; (None, UNKNOWN) when it matches nothing."""
    if not token or len(token) > 64:
        return None, UNKNOWN
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if invitation is None:
        return None, UNKNOWN
    return invitation, status_of(invitation)


def accept_invitation(*, invitation: Invitation, user: User) -> Membership:
    """Use the invitation for `user` (whose email must match) and give them the invited membership.

    The invitation is claimed with a conditional UPDATE, so two simultaneous accepts cannot
    both succeed. An existing active membership keeps its role (the invitation only adds
    teams); a deactivated one is reactivated with the invited role and kind.
    """
    if normalize_email(user.email) != invitation.email:
        raise InvitationError(_l("This invitation is for %(email)s.", email=invitation.email))
    now = utcnow()
    claimed = database.changed_rows(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
               Invitation.expires_at > now)
        .values(accepted_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed != 1:
        db.session.refresh(invitation)
        raise InvitationError(_l("This invitation can no longer be used."))
    db.session.refresh(invitation)
    org = invitation.organization
    membership = membership_of(org=org, user=user)
    joined = membership is None or membership.status != MemberStatus.ACTIVE
    if membership is None:
        membership = Membership(org_id=org.id, user_id=user.id, role=invitation.role, kind=invitation.kind,
                                status=MemberStatus.ACTIVE, source=invitation.source, teams=list(invitation.teams))
        db.session.add(membership)
    else:
        if membership.status != MemberStatus.ACTIVE:
            membership.role, membership.kind, membership.status = invitation.role, invitation.kind, MemberStatus.ACTIVE
        membership.teams = list({team.id: team for team in [*membership.teams, *invitation.teams]}.values())
    if not user.name and invitation.name:
        user.name = invitation.name
    if user.email_verified_at is None:
        user.email_verified_at = now  # the invitation went to this address: it is theirs
    db.session.flush()
    if joined:
        announce_joined(membership)
    return membership


def _check_pending(invitation: Invitation, actor: Membership) -> None:
    if actor.org_id != invitation.org_id or not can_manage(actor, invitation.role):
        raise InvitationError(_l("You may not change this invitation."))
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise InvitationError(_l("This invitation was already accepted or revoked."))


def revoke_invitation(*, actor: Membership, invitation: Invitation) -> Invitation:
    _check_pending(invitation, actor)
    invitation.revoked_at = utcnow()
    db.session.flush()
    return invitation


def resend_invitation(*, actor: Membership, invitation: Invitation) -> str:
    """Send a fresh link (a new token: the old link stops working) with a new expiry date."""
    _check_pending(invitation, actor)
    require_verified(actor.user, InvitationError)
    token = new_token()
    invitation.token_hash = hash_token(token)
    invitation.expires_at = utcnow() + timedelta(days=current_app.config["INVITATION_TTL_DAYS"])
    db.session.flush()
    send_invitation_email(invitation=invitation, token=token, inviter=actor.user)
    return token


def invitation_query(*, org: Organization, state: str = "pending") -> sa.Select:
    """Invitations of `org`, newest first; state pending | accepted | closed (revoked or expired) | all."""
    stmt = sa.select(Invitation).where(Invitation.org_id == org.id)
    now = utcnow()
    open_ = sa.and_(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
    if state == "pending":
        stmt = stmt.where(open_, Invitation.expires_at > now)
    elif state == "accepted":
        stmt = stmt.where(Invitation.accepted_at.is_not(None))
    elif state == "closed":
        stmt = stmt.where(Invitation.accepted_at.is_(None),
                          sa.or_(Invitation.revoked_at.is_not(None), Invitation.expires_at <= now))
    return stmt.order_by(Invitation.created_at.desc(), Invitation.id.desc())
