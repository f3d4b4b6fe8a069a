"""An organization's single sign-on settings: saved by its admins (checked against the provider's discovery),
found by email domain, and the require-SSO rule that refuses password logins."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...errors import ServiceError
from ...extensions import db
from ...infra import crypto
from ...models import MemberKind, Membership, MemberStatus, Organization, Role, SsoConfig, User, utcnow
from ..audit import actions, log
from . import sso_claims, sso_provider

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")


class SsoSettingsError(ServiceError):
    code = "sso_settings"


@dataclass
class SsoSettings:
    issuer: str
    client_id: str
    client_secret: str  # empty: keep the stored one
    allowed_domains: str
    role_claim: str = "groups"
    role_map: str = ""
    default_role: str = Role.AMBASSADOR
    kind: str = MemberKind.INTERNAL
    team_claim: str = "groups"
    team_map: str = ""
    require_sso: bool = False
    enabled: bool = True
    changed: list[str] = field(default_factory=list)


def config_for(org: Organization) -> SsoConfig | None:
    return db.session.scalar(sa.select(SsoConfig).where(SsoConfig.org_id == org.id))


def enabled_config(org: Organization) -> SsoConfig | None:
    sso = config_for(org)
    return sso if sso is not None and sso.enabled else None


def parse_domains(text: str) -> list[str]:
    domains = [d.strip().lower().lstrip("@") for d in re.split(r"[\s,;]+", text or "") if d.strip()]
    for domain in domains:
        if not DOMAIN.match(domain):
            raise SsoSettingsError(_l("%(domain)s is not an email domain (for example example.com).", domain=domain),
                                   field="allowed_domains")
    if not domains:
        raise SsoSettingsError(_l("Name at least one email domain."), field="allowed_domains")
    return list(dict.fromkeys(domains))


def _problem_message(problem: sso_provider.ProviderProblem):
    return {
        "insecure_url": _l("The issuer must be an https:// address."),
        "unsafe_url": _l("That address is on a private network or does not resolve: the product may not call it."),
        "unreachable": _l("The provider could not be reached. Check the issuer address."),
        "http_status": _l("The provider has no OpenID configuration at that address "
                          "(/.well-known/openid-configuration)."),
        "not_json": _l("The provider's OpenID configuration is not valid JSON."),
        "issuer_mismatch": _l("The provider's OpenID configuration names another issuer: copy the issuer exactly."),
        "incomplete_metadata": _l("The provider's OpenID configuration lacks an endpoint sign-in needs."),
        "no_pkce": _l("The provider does not support PKCE (S256), which sign-in requires."),
    }.get(problem.reason, _l("The provider's OpenID configuration could not be read."))


def save_settings(*, org: Organization, actor: User, values: SsoSettings, origin: log.Origin) -> SsoConfig:
    """Create or update the organization's provider; discovery is fetched now, so a wrong issuer is said at once."""
    issuer = values.issuer.strip().rstrip("/")
    domains = parse_domains(values.allowed_domains)
    role_map = sso_claims.parse_role_mapping(values.role_map, field="role_map")
    team_map = sso_claims.parse_mapping(values.team_map, field="team_map")
    if values.default_role not in tuple(Role) or values.kind not in tuple(MemberKind):
        raise SsoSettingsError(_l("Choose a role and a kind from the lists."))
    sso = config_for(org)
    if not values.client_secret and (sso is None or not sso.has_secret):
        raise SsoSettingsError(_l("Enter the client secret the provider gave you."), field="client_secret")
    try:
        sso_provider.check_url(issuer)
        metadata = sso_provider.discover(issuer)
    except sso_provider.ProviderProblem as exc:
        raise SsoSettingsError(_problem_message(exc), field="issuer") from exc
    if sso is None:
        sso = SsoConfig(org_id=org.id)
        db.session.add(sso)
    before = _public_view(sso)
    if sso.issuer != issuer:
        sso.jwks, sso.jwks_fetched_at = {}, None
    sso.issuer, sso.client_id, sso.allowed_domains = issuer, values.client_id.strip(), " ".join(domains)
    sso.role_claim, sso.role_map, sso.default_role = values.role_claim.strip(), role_map, values.default_role
    sso.kind, sso.team_claim, sso.team_map = values.kind, values.team_claim.strip(), team_map
    sso.require_sso, sso.enabled, sso.provider_metadata = values.require_sso, values.enabled, metadata
    # The form's secret field is blank unless typed in; typing in the same secret again changes nothing.
    secret_changed = bool(values.client_secret) and (
        not sso.client_secret_encrypted or crypto.decrypt(sso.client_secret_encrypted) != values.client_secret)
    if secret_changed:
        sso.client_secret_encrypted = crypto.encrypt(values.client_secret)
    sso.updated_at = utcnow()
    db.session.flush()
    after = _public_view(sso)
    changes = {key: {"old": before.get(key), "new": value} for key, value in after.items() if before.get(key) != value}
    if secret_changed:
        changes["client_secret"] = {"changed": True}  # never the value
    if changes:
        log.record(actions.SSO_SETTINGS_CHANGED, org_id=org.id, actor=actor, origin=origin,
                   target_type="sso_config", target_id=sso.id, target_label=issuer, details=changes)
    return sso


def _public_view(sso: SsoConfig) -> dict:
    """What the audit log may show of the settings: everything but the secret."""
    return {"issuer": sso.issuer, "client_id": sso.client_id, "allowed_domains": sso.allowed_domains,
            "role_claim": sso.role_claim, "role_map": dict(sso.role_map or {}), "default_role": sso.default_role,
            "kind": sso.kind, "team_claim": sso.team_claim, "team_map": dict(sso.team_map or {}),
            "require_sso": sso.require_sso, "enabled": sso.enabled}


def domain_of(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in (email or "") else ""


def _claiming(domain: str) -> list[SsoConfig]:
    if not domain:
        return []
    candidates = db.session.scalars(sa.select(SsoConfig).where(
        SsoConfig.enabled.is_(True), SsoConfig.allowed_domains.contains(domain))).all()
    return [sso for sso in candidates if domain in sso.domains]  # `contains` is a substring: check the word


def organization_for_email(email: str) -> Organization | None:
    """The organization whose provider signs in `email`: the one the person already belongs to among those
    claiming the domain, else the only one claiming it (several organizations may name the same domain:
    then nobody is sent anywhere by domain, the organization's own sign-in link works)."""
    claiming = _claiming(domain_of(email))
    if not claiming:
        return None
    org_ids = {sso.org_id for sso in claiming}
    member_of = db.session.scalars(sa.select(Membership.org_id).join(User, User.id == Membership.user_id).where(
        User.email == email.strip().lower(), Membership.org_id.in_(org_ids),
        Membership.status != MemberStatus.DEACTIVATED)).all()
    chosen = set(member_of) if member_of else org_ids
    return db.session.get(Organization, chosen.pop()) if len(chosen) == 1 else None


def password_refusal(user: User) -> Organization | None:
    """The organization that requires SSO for this person (a member, in one of its domains, not its admin),
    or None when password login is allowed. Admins keep their password: the break-glass when the provider fails."""
    domain = domain_of(user.email)
    for sso in _claiming(domain):
        if not sso.require_sso:
            continue
        membership = db.session.scalar(sa.select(Membership).where(Membership.org_id == sso.org_id,
                                                                   Membership.user_id == user.id))
        if membership is not None and membership.status == MemberStatus.ACTIVE and membership.role != Role.ADMIN:
            return db.session.get(Organization, sso.org_id)
    return None
