"""How an organization's provider's claims become a member's role, kind and teams (pure functions).

An admin writes a mapping as lines `claim value = target`, e.g. `amb-admins = admin` for roles or
`sales-emea = Sales` for teams; values are compared exactly as the provider sends them.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...errors import ServiceError
from ...models import ROLE_RANK, Role


class MappingError(ServiceError):
    code = "sso_mapping"


def parse_mapping(text: str, *, field: str) -> dict[str, str]:
    """{claim value: target} from `value = target` lines; blank lines and lines starting with # are skipped."""
    mapping: dict[str, str] = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        value, sep, target = line.partition("=")
        if not sep or not value.strip() or not target.strip():
            raise MappingError(_l("Line %(line)s: write it as “claim value = target”.", line=number),
                               field=field)
        mapping[value.strip()] = target.strip()
    return mapping


def format_mapping(mapping: dict[str, str]) -> str:
    return "\n".join(f"{value} = {target}" for value, target in mapping.items())


def parse_role_mapping(text: str, *, field: str) -> dict[str, str]:
    mapping = parse_mapping(text, field=field)
    for value, role in mapping.items():
        if role.lower() not in ROLE_RANK:
            raise MappingError(_l("%(role)s is not a role: use admin, manager, curator or ambassador.", role=role),
                               field=field)
        mapping[value] = role.lower()
    return mapping


def claim_values(claims: dict, name: str) -> list[str]:
    """A claim as a list of strings (a provider may send one string or a list; anything else counts as none)."""
    value = claims.get(name) if name else None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def mapped_role(claims: dict, *, claim: str, mapping: dict[str, str]) -> str | None:
    """The highest role any of the claim's values maps to, or None when none does."""
    roles = [mapping[value] for value in claim_values(claims, claim) if value in mapping]
    return max(roles, key=lambda role: ROLE_RANK[role]) if roles else None


def mapped_team_names(claims: dict, *, claim: str, mapping: dict[str, str], team_names: list[str]) -> set[str]:
    """The names of existing teams the claim's values give: through `mapping` when it has entries, else the
    values that equal a team's name (case-insensitively). Teams are never created from claims."""
    by_lower = {name.lower(): name for name in team_names}
    values = claim_values(claims, claim)
    wanted = [mapping[value] for value in values if value in mapping] if mapping else values
    return {by_lower[name.lower()] for name in wanted if name.lower() in by_lower}


DEFAULT_ROLE = Role.AMBASSADOR
