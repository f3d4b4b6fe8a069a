"""An organization's settings: identity, language and time zone, points rules, join link, logo."""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...errors import ServiceError
from ...extensions import db
from ...infra.tokens import new_token
from ...infra.uploads import UploadError, store_image
from ...models import CONTENT_LANGUAGES, Organization, User
from ..audit import actions as audit_actions
from ..audit.log import Origin, record
from ..audit.retention import MAX_DAYS as MAX_AUDIT_DAYS
from ..audit.retention import MIN_DAYS as MIN_AUDIT_DAYS
from .organizations import RESERVED_SLUGS

# Employee pulses: no figure, comment or keyword for a group with fewer answers than the organization's
# threshold (default 5), which can never be set below ENPS_MIN_GROUP_FLOOR.
ENPS_MIN_GROUP_FLOOR, ENPS_MIN_GROUP_MAX = 3, 50
COMMUNITY_POINTS = ("points_idea", "points_vote", "points_survey", "daily_community_points_cap")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class SettingsError(ServiceError):
    """Something the admin can fix; `field` names the form field to show it next to."""

    code = "settings"


@dataclass
class OrgSettings:
    name: str
    slug: str
    default_locale: str
    timezone: str
    disclosure: str  # employees' (internal members)
    disclosure_external: str  # customers', partners' and fans'
    points_share: int
    points_click: int
    daily_share_points_cap: int
    daily_click_points_cap: int
    posts_require_approval: bool
    join_enabled: bool
    join_requires_approval: bool
    # Community participation; None keeps the current value.
    points_idea: int | None = None
    points_vote: int | None = None
    points_survey: int | None = None
    daily_community_points_cap: int | None = None
    # The languages posts are written in (en, nl, fr); the default language is always one. None: keep.
    post_languages: list[str] | None = None
    # The employee pulses' anonymity threshold (answers); None: keep.
    enps_min_group: int | None = None
    # How long the audit log keeps events, in days (MIN_AUDIT_DAYS…MAX_AUDIT_DAYS). None: keep.
    audit_retention_days: int | None = None

    @classmethod
    def fields(cls) -> tuple[str, ...]:
        return tuple(cls.__dataclass_fields__)


def check_slug(*, org: Organization, slug: str) -> str:
    slug = (slug or "").strip().lower()
    if not SLUG_RE.match(slug) or len(slug) > 63:
        raise SettingsError(_l("Use lowercase letters, digits and single dashes (at most 63)."), field="slug")
    if slug in RESERVED_SLUGS:
        raise SettingsError(_l("This address is reserved; choose another one."), field="slug")
    taken = db.session.scalar(sa.select(Organization.id).where(Organization.slug == slug, Organization.id != org.id))
    if taken is not None:
        raise SettingsError(_l("Another organization already uses this address."), field="slug")
    return slug


def check_post_languages(settings: OrgSettings) -> str | None:
    """The content languages as stored ("en nl fr", the default first), None to keep them; SettingsError
    for a language the product does not speak."""
    if settings.default_locale not in CONTENT_LANGUAGES:
        raise SettingsError(_l("Choose English, Dutch or French."), field="default_locale")
    if settings.post_languages is None:
        return None
    unknown = [lang for lang in settings.post_languages if lang not in CONTENT_LANGUAGES]
    if unknown:
        raise SettingsError(_l("Posts can be written in English, Dutch and French."), field="post_languages")
    others = [lang for lang in CONTENT_LANGUAGES if lang in settings.post_languages and lang != settings.default_locale]
    return " ".join([settings.default_locale, *others])


def check_enps_min_group(value) -> int:
    """The anonymity threshold as a number from 3 to 50, or a SettingsError."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SettingsError(_l("Enter a whole number."), field="enps_min_group") from None
    if not ENPS_MIN_GROUP_FLOOR <= number <= ENPS_MIN_GROUP_MAX:
        raise SettingsError(_l("The smallest group shown must be between 3 and 50 answers."), field="enps_min_group")
    return number


# Settings whose changes the audit log lists with their old and new values (none of them is a secret).
AUDITED = ("name", "slug", "default_locale", "content_languages", "timezone", "disclosure", "disclosure_external",
           "points_share", "points_click", "daily_share_points_cap", "daily_click_points_cap", *COMMUNITY_POINTS,
           "posts_require_approval", "join_enabled", "join_requires_approval", "enps_min_group",
           "audit_retention_days")


def audit_changes(*, org: Organization, before: dict, actor: User | None, origin: Origin | None,
                  extra: dict | None = None) -> None:
    """Record `org.settings_changed` with what differs from `before` (a `snapshot`), if anything does."""
    changes = {key: {"old": before[key], "new": getattr(org, key)} for key in AUDITED
               if before.get(key) != getattr(org, key)}
    changes.update(extra or {})
    if changes:
        record(audit_actions.ORG_SETTINGS_CHANGED, org_id=org.id, actor=actor, origin=origin,
               target_type="organization", target_id=org.id, target_label=org.name, details=changes)


def snapshot(org: Organization) -> dict:
    return {key: getattr(org, key) for key in AUDITED}


def update_settings(*, org: Organization, settings: OrgSettings, actor: User | None = None,
                    origin: Origin | None = None) -> Organization:
    """Apply all settings at once, or none (raises SettingsError before changing anything); the audit log
    gets what changed."""
    slug = check_slug(org=org, slug=settings.slug)
    name = " ".join(settings.name.split())
    if not name:
        raise SettingsError(_l("Give the organization a name."), field="name")
    for number in ("points_share", "points_click", "daily_share_points_cap", "daily_click_points_cap",
                   *COMMUNITY_POINTS):
        if (getattr(settings, number) or 0) < 0:
            raise SettingsError(_l("Use zero or a positive number."), field=number)
    retention = settings.audit_retention_days
    if retention is not None and not MIN_AUDIT_DAYS <= retention <= MAX_AUDIT_DAYS:
        raise SettingsError(_l("Keep the audit log between %(min)s and %(max)s days.", min=MIN_AUDIT_DAYS,
                               max=MAX_AUDIT_DAYS), field="audit_retention_days")
    languages = check_post_languages(settings)
    if settings.enps_min_group is not None:
        check_enps_min_group(settings.enps_min_group)
    before = snapshot(org)
    for key in OrgSettings.fields():
        if key == "post_languages" or (key in (*COMMUNITY_POINTS, "enps_min_group", "audit_retention_days")
                                       and getattr(settings, key) is None):
            continue  # not on the submitted form: keep the current value
        setattr(org, key, getattr(settings, key))
    org.name, org.slug = name, slug
    if languages is not None:
        org.content_languages = languages
    org.disclosure = (settings.disclosure or "").strip()
    org.disclosure_external = (settings.disclosure_external or "").strip()
    db.session.flush()
    audit_changes(org=org, before=before, actor=actor, origin=origin)
    return org


def set_logo(*, org: Organization, file_storage, actor: User | None = None,
             origin: Origin | None = None) -> Organization:
    """Store an uploaded logo (type sniffed from its bytes, size checked) and point the organization at it."""
    try:
        stored = store_image(file_storage, folder=f"org-{org.id}/logo")
    except UploadError as exc:
        raise SettingsError(str(exc), field="logo") from exc
    org.logo_path = stored.path
    db.session.flush()
    audit_changes(org=org, before=snapshot(org), actor=actor, origin=origin, extra={"logo": "changed"})
    return org


def remove_logo(*, org: Organization, actor: User | None = None, origin: Origin | None = None) -> Organization:
    org.logo_path = None
    db.session.flush()
    audit_changes(org=org, before=snapshot(org), actor=actor, origin=origin, extra={"logo": "removed"})
    return org


def regenerate_join_token(*, org: Organization, actor: User | None = None,
                          origin: Origin | None = None) -> Organization:
    """The old organization join link stops working at once."""
    org.join_token = new_token()
    db.session.flush()
    audit_changes(org=org, before=snapshot(org), actor=actor, origin=origin,
                  extra={"join_link": "regenerated"})  # never the token itself
    return org
