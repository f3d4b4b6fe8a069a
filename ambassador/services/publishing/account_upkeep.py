"""Keeping linked accounts usable (the worker's periodic jobs call these): tokens refreshed before they
expire, and owners warned of tokens that cannot be renewed (LinkedIn member tokens last 60 days).

`refresh_expiring_tokens` commits each account on its own (a new refresh token must never be lost
with a later account's trouble); the job is its outermost unit of work.
"""
from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_ngettext

from ... import networks
from ...extensions import db
from ...infra.database import begin_write
from ...infra.email import send_email
from ...infra.urls import absolute_url
from ...models import AccountStatus, SocialAccount, utcnow
from ...providers import registry
from ...providers.base import ErrorKind, ProviderError
from . import social_accounts

log = logging.getLogger(__name__)

REFRESH_AHEAD = timedelta(hours=1)
EXPIRY_WARNINGS_DAYS = (10, 3)  # warn once when 10 days are left, once more at 3


def refresh_expiring_tokens(now: datetime | None = None) -> dict[str, int]:
    """Refresh tokens that expire within the hour, each committed at once (a new refresh token
    must never be lost). REAUTH marks the account (refresh_now does it); other errors are logged
    and retried on the next run."""
    now = now or utcnow()
    accounts = list(db.session.scalars(sa.select(SocialAccount).where(
        SocialAccount.status == AccountStatus.ACTIVE, SocialAccount.refresh_token_enc.is_not(None),
        SocialAccount.token_expires_at.is_not(None), SocialAccount.token_expires_at <= now + REFRESH_AHEAD)
        .order_by(SocialAccount.token_expires_at)))
    enabled = registry.enabled()
    counts = {"refreshed": 0, "reconnect": 0, "errors": 0}
    for account in accounts:
        provider = enabled.get(account.provider)
        if provider is None or not provider.can_refresh:
            continue
        account_id = account.id
        try:
            begin_write()
            social_accounts.refresh_now(account, now=now, unless_valid_for=REFRESH_AHEAD)
            counts["refreshed"] += 1
        except ProviderError as exc:
            if exc.kind is ErrorKind.REAUTH:
                counts["reconnect"] += 1  # marked and its owner emailed: keep that
            else:
                db.session.rollback()
                counts["errors"] += 1
                log.warning("account %s: token refresh failed (%s), will try again", account_id, exc)
                continue
        except Exception:  # noqa: BLE001 - one account's trouble must not stop the others
            db.session.rollback()
            counts["errors"] += 1
            log.exception("account %s: token refresh crashed", account_id)
            continue
        db.session.commit()
    return counts


def warn_expiring_tokens(now: datetime | None = None) -> dict[str, int]:
    """Tokens that cannot be renewed (LinkedIn member tokens last 60 days without a refresh token):
    email the owner once at 10 days left and once at 3; an expired one needs reconnecting."""
    now = now or utcnow()
    begin_write()
    accounts = db.session.scalars(sa.select(SocialAccount).where(
        SocialAccount.status == AccountStatus.ACTIVE, SocialAccount.refresh_token_enc.is_(None),
        SocialAccount.token_expires_at.is_not(None),
        SocialAccount.token_expires_at <= now + timedelta(days=max(EXPIRY_WARNINGS_DAYS))))
    counts = {"warned": 0, "expired": 0}
    for account in list(accounts):
        if account.token_expires_at is None:  # selected with an expiry; typed optional
            continue
        left = account.token_expires_at - now
        if left <= timedelta(0):
            social_accounts.mark_needs_reconnect(account, reason="The access token expired; this network cannot "
                                                                 "renew it without you.")
            counts["expired"] += 1
            continue
        threshold = min(days for days in EXPIRY_WARNINGS_DAYS if left <= timedelta(days=days))
        if account.expiry_warned_days is not None and account.expiry_warned_days <= threshold:
            continue
        _send_expiry_warning(account, days=math.ceil(left.total_seconds() / 86400))
        account.expiry_warned_days = threshold
        counts["warned"] += 1
    db.session.flush()
    return counts


def _send_expiry_warning(account: SocialAccount, *, days: int) -> None:
    user = account.membership.user
    label = networks.NETWORKS[account.provider].label if account.provider in networks.NETWORKS else account.provider
    send_email(to=user.email, org_id=account.org_id, locale=user.locale,
               subject=lazy_ngettext("Your %(network)s connection ends in %(num)d day",
                                     "Your %(network)s connection ends in %(num)d days", days, network=label),
               template="account_expiring", account=account, user=user, network=label, days=days,
               expires_at=account.token_expires_at, link=absolute_url("accounts.index"))
