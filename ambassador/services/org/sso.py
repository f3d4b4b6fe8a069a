"""Signing in with an organization's OpenID Connect provider: the authorization code flow with PKCE, and
just-in-time provisioning of the member from the claims.

`begin` stores a pending login (the state's hash, the nonce, the PKCE verifier) and returns the provider's
URL and the `state` the view keeps in the browser's session. `complete` takes the callback: the state must
be this browser's and is used once (a conditional UPDATE, so a replayed callback is refused even with an old
cookie), the code is exchanged with the verifier, the ID token checked (sso_provider), the address must be in
an allowed domain, then the member is created or updated. A refusal is returned with its reason, not raised:
the view commits it, so the used state and the audit event of the refusal stay.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from ...errors import ServiceError
from ...extensions import db
from ...infra import crypto, database
from ...infra.urls import absolute_url
from ...models import Membership, MemberStatus, Organization, Role, SsoConfig, SsoIdentity, SsoLogin, Team, User, utcnow
from ..audit import actions, log
from . import accounts, sso_claims, sso_provider
from .members import announce_joined
from .sso_settings import enabled_config

LOGIN_TTL = timedelta(minutes=10)


class SsoError(ServiceError):
    code = "sso"


@dataclass
class Started:
    url: str
    state: str


@dataclass
class Outcome:
    user: User | None = None
    membership: Membership | None = None
    reason: str = ""  # a stable word for a refusal: state, provider, issuer, audience, nonce, domain…
    message: LazyString | str = ""

    @property
    def ok(self) -> bool:
        return self.user is not None


def redirect_uri(org: Organization) -> str:
    """The exact redirect URI to register at the provider (one per organization)."""
    return absolute_url("sso.callback", slug=org.slug)


def sign_in_link(org: Organization) -> str:
    """The organization's sign-in link, to share with its people (an intranet, a bookmark)."""
    return absolute_url("sso.start", slug=org.slug)


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def begin(*, org: Organization, login_hint: str | None = None) -> Started:
    sso = enabled_config(org)
    if sso is None:
        raise SsoError(_l("%(org)s does not sign in with single sign-on.", org=org.name))
    try:
        state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)
        url = sso_provider.authorization_url(sso, redirect_uri=redirect_uri(org), state=state, nonce=nonce,
                                             code_verifier=verifier, login_hint=login_hint)
    except sso_provider.ProviderProblem as exc:
        raise SsoError(_l("Your organization's identity provider cannot be reached right now. "
                          "Try again in a moment.")) from exc
    db.session.execute(sa.delete(SsoLogin).where(SsoLogin.created_at < utcnow() - LOGIN_TTL))
    db.session.add(SsoLogin(org_id=org.id, state_hash=_hash(state), nonce=nonce,
                            code_verifier_encrypted=crypto.encrypt(verifier)))
    db.session.flush()
    return Started(url=url, state=state)


MESSAGES = {
    "state": _l("This sign-in link was already used or has expired. Please sign in again."),
    "provider": _l("Your identity provider did not sign you in."),
    "unavailable": _l("Your organization's identity provider cannot be reached right now. Try again in a moment."),
    "email": _l("Your identity provider did not share a verified email address."),
    "domain": _l("%(email)s is not an address of an email domain this organization signs in with single sign-on."),
    "deactivated": _l("Your membership of %(org)s was deactivated. Ask an administrator to reactivate it."),
    "account_elsewhere": _l("An account with %(email)s already exists in another organization. Sign in with "
                            "your password, or ask an administrator of %(org)s to invite that account."),
}


def _refuse(org: Organization, reason: str, origin: log.Origin, *, email: str = "", detail: str = "",
            message: LazyString | str | None = None) -> Outcome:
    log.record(actions.SSO_SIGN_IN_REFUSED, org_id=org.id, origin=origin, target_type="email",
               target_label=email, details={"reason": reason, **({"detail": detail[:200]} if detail else {})})
    text = message or MESSAGES.get(reason) or _l("Single sign-on failed: the answer of your identity provider "
                                                 "did not pass our checks. Please sign in again.")
    return Outcome(reason=reason, message=text)


def _consume(org: Organization, state: str) -> SsoLogin | None:
    """The pending login for `state` in this organization, marked used; None when unknown, used or expired."""
    now = utcnow()
    claimed = database.changed_rows(
        sa.update(SsoLogin)
        .where(SsoLogin.state_hash == _hash(state), SsoLogin.org_id == org.id, SsoLogin.used_at.is_(None),
               SsoLogin.created_at > now - LOGIN_TTL)
        .values(used_at=now).execution_options(synchronize_session=False))
    if claimed != 1:
        return None
    return db.session.scalar(sa.select(SsoLogin).where(SsoLogin.state_hash == _hash(state)))


def complete(*, org: Organization, session_state: str | None, params: dict, origin: log.Origin) -> Outcome:
    """The callback's work; `session_state` is what the view kept in this browser's session."""
    sso = enabled_config(org)
    if sso is None:
        raise SsoError(_l("%(org)s does not sign in with single sign-on.", org=org.name))
    state = params.get("state") or ""
    if not state or not session_state or not secrets.compare_digest(state, session_state):
        return _refuse(org, "state", origin, detail="not this browser's state")
    pending = _consume(org, state)
    if pending is None:
        return _refuse(org, "state", origin, detail="unknown, used or expired")
    if params.get("error"):
        return _refuse(org, "provider", origin, detail=f"{params.get('error')}: {params.get('error_description', '')}")
    if params.get("iss") and params["iss"].rstrip("/") != sso.issuer.rstrip("/"):  # RFC 9207 mix-up defence
        return _refuse(org, "issuer", origin, detail="iss parameter of another issuer")
    if not params.get("code"):
        return _refuse(org, "provider", origin, detail="no code")
    try:
        token = sso_provider.exchange_code(sso, code=params["code"], redirect_uri=redirect_uri(org),
                                           code_verifier=crypto.decrypt(pending.code_verifier_encrypted))
        claims = sso_provider.verify_id_token(sso, token, nonce=pending.nonce)
        claims = {**sso_provider.userinfo(sso, token, subject=claims["sub"]), **claims}
    except sso_provider.ProviderProblem as exc:
        reason = "unavailable" if exc.reason == "unreachable" else exc.reason
        return _refuse(org, reason, origin, detail=exc.detail)
    return _provision(org, sso, claims, origin)


def _provision(org: Organization, sso: SsoConfig, claims: dict, origin: log.Origin) -> Outcome:
    email = accounts.normalize_email(str(claims.get("email") or ""))
    if not email or claims.get("email_verified") is False or not accounts.is_valid_email(email):
        return _refuse(org, "email", origin, email=email)
    if email.rsplit("@", 1)[-1] not in sso.domains:
        return _refuse(org, "domain", origin, email=email, message=MESSAGES["domain"] % {"email": email})
    subject = str(claims["sub"])
    identity = db.session.scalar(sa.select(SsoIdentity).where(SsoIdentity.org_id == org.id,
                                                              SsoIdentity.subject == subject))
    user = db.session.get(User, identity.user_id) if identity is not None else accounts.find_user(email)
    membership = db.session.scalar(sa.select(Membership).where(Membership.org_id == org.id,
                                                               Membership.user_id == user.id)) if user else None
    if identity is None and user is not None and membership is None and user.memberships:
        # An account that belongs elsewhere is never taken over by another organization's provider.
        return _refuse(org, "account_elsewhere", origin, email=email,
                       message=MESSAGES["account_elsewhere"] % {"email": email, "org": org.name})
    if membership is not None and membership.status == MemberStatus.DEACTIVATED:
        return _refuse(org, "deactivated", origin, email=email,
                       message=MESSAGES["deactivated"] % {"org": org.name})
    if user is None:
        user = accounts.create_user(email=email, password=None, name=str(claims.get("name") or "")[:120],
                                    verified=True)
    elif user.email_verified_at is None:
        user.email_verified_at = utcnow()  # the organization's provider vouches for the address
    role = sso_claims.mapped_role(claims, claim=sso.role_claim, mapping=sso.role_map or {})
    teams = _teams(org, sso, claims)
    details: dict = {"subject": subject}
    if membership is None:
        membership = Membership(org_id=org.id, user_id=user.id, role=role or sso.default_role, kind=sso.kind,
                                status=MemberStatus.ACTIVE, source="sso", teams=teams)
        db.session.add(membership)
        db.session.flush()
        log.record(actions.SSO_MEMBER_PROVISIONED, org_id=org.id, actor=user, origin=origin,
                   target_type="membership", target_id=membership.id, target_label=email,
                   details={"role": membership.role, "kind": membership.kind,
                            "teams": sorted(team.name for team in teams)})
        announce_joined(membership)
    else:
        if role and role != membership.role:
            if _last_admin(membership):
                details["role_kept"] = {"role": membership.role, "mapped": role, "reason": "last administrator"}
            else:
                details["role"] = {"old": membership.role, "new": role}
                membership.role = role
        old_teams = sorted(team.name for team in membership.teams)
        if old_teams != sorted(team.name for team in teams):
            details["teams"] = {"old": old_teams, "new": sorted(team.name for team in teams)}
            membership.teams = teams
        if membership.status == MemberStatus.PENDING:  # a pending request is approved by the provider's word
            membership.status = MemberStatus.ACTIVE
            announce_joined(membership)
    if identity is None:
        identity = SsoIdentity(org_id=org.id, subject=subject, user_id=user.id)
        db.session.add(identity)
    identity.last_login_at = utcnow()
    log.record(actions.SSO_SIGN_IN, org_id=org.id, actor=user, origin=origin, target_type="membership",
               target_id=membership.id, target_label=email, details=details)
    db.session.flush()
    return Outcome(user=user, membership=membership)


def _last_admin(membership: Membership) -> bool:
    """Whether `membership` is its organization's only active admin (the provider's claims never demote that one:
    the organization would lose its break-glass). The admin rows are locked (PostgreSQL), as members.py does."""
    if membership.role != Role.ADMIN or membership.status != MemberStatus.ACTIVE:
        return False
    admins = db.session.scalars(sa.select(Membership.id).where(
        Membership.org_id == membership.org_id, Membership.role == Role.ADMIN,
        Membership.status == MemberStatus.ACTIVE).with_for_update()).all()
    return not any(admin_id != membership.id for admin_id in admins)


def _teams(org: Organization, sso: SsoConfig, claims: dict) -> list[Team]:
    teams = db.session.scalars(sa.select(Team).where(Team.org_id == org.id)).all()
    names = sso_claims.mapped_team_names(claims, claim=sso.team_claim, mapping=sso.team_map or {},
                                         team_names=[team.name for team in teams])
    return [team for team in teams if team.name in names]
