"""Email digests, by each member's choice: daily, weekly (the default) or off.

When: the worker's hourly `send_digests` job sends a member's digest in its first run after DIGEST_LOCAL_HOUR
in the member's own time zone (User.timezone) — every day for "daily", on Mondays for "weekly" (a worker
down all day skips that period rather than mailing at night). A period is named by its local day
("2026-12-05") or ISO week ("2026-W49").

Exactly once per period: each member is claimed by a conditional UPDATE (`digest_period` is not this
period yet) in the same transaction as the outbox row, so two workers running at once send one digest.
An empty digest (services/notify/digest_content.py) is claimed and not sent.

Large organizations: members are found per (time zone, frequency) with the period already computed, so only
the members who are due are read, in keyset batches of BATCH ids.

Unsubscribe: each digest carries a signed link (no expiry: it must work in an old email) and the
List-Unsubscribe / List-Unsubscribe-Post headers, so mail clients unsubscribe in one click (RFC 8058).
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from ...errors import ServiceError
from ...extensions import db
from ...infra.database import changed_rows
from ...infra.email import send_email
from ...infra.urls import absolute_url
from ...models import DigestFrequency, Membership, MemberStatus, OutboxEmail, User, utcnow
from ..publishing import languages
from . import digest_content

FREQUENCIES = tuple(DigestFrequency)
BATCH = 200  # member ids read per query
PERIOD_LENGTH = {DigestFrequency.DAILY: timedelta(days=1), DigestFrequency.WEEKLY: timedelta(days=7)}
_SALT = "digest-unsubscribe"


class DigestError(ServiceError):
    code = "digest"


def frequency_choices() -> list[tuple[str, str]]:
    return [(DigestFrequency.DAILY, str(_l("Daily"))), (DigestFrequency.WEEKLY, str(_l("Weekly"))),
            (DigestFrequency.OFF, str(_l("Off")))]


def set_frequency(*, membership: Membership, frequency: str) -> Membership:
    if frequency not in FREQUENCIES:
        raise DigestError(_l("Choose daily, weekly or off."), field="digest_frequency")
    membership.digest_frequency = frequency
    db.session.flush()
    return membership


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def period_key(frequency: str, local: datetime, *, hour: int) -> str | None:
    """The period whose digest is due at local time `local` (None: not yet, e.g. before the hour)."""
    if frequency == DigestFrequency.DAILY:
        return local.date().isoformat() if local.hour >= hour else None
    if frequency == DigestFrequency.WEEKLY:
        if local.weekday() != 0 or local.hour < hour:
            return None  # Mondays only: a member who joins on a Thursday waits for Monday
        year, week, _day = local.isocalendar()
        return f"{year}-W{week:02d}"
    return None


def _local(now: datetime, zone_name: str | None) -> datetime:
    return now.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone(zone_name))


def due(*, now: datetime | None = None) -> Iterator[list[tuple[int, str]]]:
    """Batches of (membership id, period) of the members whose digest is due and not yet sent."""
    now = now or utcnow()
    hour = int(current_app.config.get("DIGEST_LOCAL_HOUR", 8))
    zones = db.session.scalars(sa.select(User.timezone).distinct().order_by(User.timezone)).all()
    for zone_name in zones:
        local = _local(now, zone_name)
        for frequency in (DigestFrequency.DAILY, DigestFrequency.WEEKLY):
            key = period_key(frequency, local, hour=hour)
            if key is None:
                continue
            after = 0
            while True:
                ids = db.session.scalars(
                    sa.select(Membership.id).join(User, User.id == Membership.user_id)
                    .where(User.timezone == zone_name, Membership.status == MemberStatus.ACTIVE,
                           Membership.digest_frequency == frequency, Membership.id > after,
                           sa.or_(Membership.digest_period.is_(None), Membership.digest_period != key))
                    .order_by(Membership.id).limit(BATCH)).all()
                if not ids:
                    break
                yield [(mid, key) for mid in ids]
                after = ids[-1]


def send_digest(*, membership_id: int, period: str, now: datetime | None = None,
                facts: digest_content.OrgFacts | None = None) -> str:
    """Claim the member's digest for `period` and email it: "sent", "empty" (claimed, nothing to say) or
    "taken" (another worker, or this period already sent). The caller commits: claim and outbox row together."""
    now = now or utcnow()
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.digest_frequency == DigestFrequency.OFF:
        return "taken"
    frequency = membership.digest_frequency
    since = membership.digest_sent_at or now - PERIOD_LENGTH[DigestFrequency(frequency)]
    claimed = changed_rows(
        sa.update(Membership)
        .where(Membership.id == membership_id, Membership.digest_frequency == frequency,
               sa.or_(Membership.digest_period.is_(None), Membership.digest_period != period))
        .values(digest_period=period, digest_sent_at=now)
        .execution_options(synchronize_session=False))
    if not claimed:
        return "taken"
    db.session.refresh(membership)
    digest = digest_content.build(membership, frequency=frequency, since=since, now=now, facts=facts)
    if digest.empty:
        return "empty"
    email(digest)
    return "sent"


def language(membership: Membership) -> str:
    languages = current_app.config.get("LANGUAGES") or ["en"]
    for choice in (membership.user.locale, membership.organization.default_locale):
        if choice and choice in languages:
            return str(choice)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def email(digest: digest_content.Digest) -> OutboxEmail:
    """The digest as an email (HTML and text) in the member's language, with one-click unsubscribe."""
    membership = digest.membership
    org = membership.organization
    lang = language(membership)
    link = unsubscribe_link(membership)
    with force_locale(lang):
        subject = str(_l("Your day at %(org)s", org=org.name) if digest.frequency == DigestFrequency.DAILY
                      else _l("Your week at %(org)s", org=org.name))
    return send_email(
        to=membership.user.email, subject=subject, template="digest", org_id=org.id, locale=lang,
        headers={"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        digest=digest, org=org, member=membership, lang=lang, unsubscribe_link=link,
        feed_link=absolute_url("feed.index"), profile_link=absolute_url("auth.profile"),
        post_links={post.id: absolute_url("feed.index", _anchor=f"post-{post.id}") for post in digest.posts},
        post_titles={post.id: languages.text_for_member(post, membership).title for post in digest.posts},
        overview_link=absolute_url("leaderboard.overview") if digest.summary is not None else "")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def unsubscribe_token(membership: Membership) -> str:
    return str(_serializer().dumps({"m": membership.id}))


def unsubscribe_link(membership: Membership) -> str:
    return absolute_url("notify.unsubscribe", token=unsubscribe_token(membership))


def membership_for_token(token: str) -> Membership | None:
    """The member a signed unsubscribe token names (None when the token is not ours or the member is gone)."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("m"), int):
        return None
    return db.session.get(Membership, data["m"])


def unsubscribe(*, membership: Membership) -> Membership:
    """No more digests for this member (in this organization); they can turn them on again on their profile."""
    return set_frequency(membership=membership, frequency=DigestFrequency.OFF)
