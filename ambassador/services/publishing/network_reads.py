"""Reading from a network for one linked account (engagement, follower counts): the account's usable
credentials (refreshed ahead of expiry and committed), and what each kind of failure does to the account.

The same rules as publishing (services/publishing/dispatch.py): a 429 defers the account, or the whole
app on that network/instance when the limit is app-wide (services/publishing/rate_limits.py); a refused
grant marks the account "needs reconnect" and tells its owner; anything transient changes nothing.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from ...extensions import db
from ...infra import crypto
from ...infra.database import begin_write
from ...models import AccountStatus, SocialAccount
from ...providers import registry
from ...providers.base import AccountContext, ErrorKind, ProviderError, SocialProvider
from . import rate_limits, social_accounts

log = logging.getLogger(__name__)

RATE_LIMIT_FLOOR = timedelta(seconds=2)


def open_account(account: SocialAccount, *, now: datetime) -> tuple[SocialProvider, AccountContext] | None:
    """The adapter and credentials to read for `account`, tokens refreshed and committed first; None when it
    cannot be read now (network not configured, account not active or rate limited, grant refused)."""
    if account.status != AccountStatus.ACTIVE or rate_limits.limited_until(account, now) is not None:
        return None
    try:
        provider = registry.get(account.provider)
    except KeyError:
        return None
    if account.token_expires_at is not None and account.token_expires_at - social_accounts.REFRESH_MARGIN <= now:
        begin_write()  # the refresh writes the new tokens
    try:
        context = social_accounts.access_context(account, now=now)
    except ProviderError as exc:
        failed(account, exc, now=now)
        db.session.commit()  # refresh_now marked the account (and emailed its owner) on REAUTH
        return None
    except crypto.SecretError:
        log.error("account %s: its tokens cannot be decrypted", account.id)
        db.session.rollback()
        return None
    db.session.commit()  # a refreshed token is kept even if the read below fails; no transaction during the call
    return provider, context


def failed(account: SocialAccount, error: ProviderError, *, now: datetime) -> None:
    """Record what a failed read means for the account (the caller commits)."""
    if error.kind is ErrorKind.RATE_LIMITED:
        until = max(error.retry_at or now + timedelta(minutes=15), now + RATE_LIMIT_FLOOR)
        rate_limits.defer(account, until, app_wide=error.app_wide)
    elif error.kind is ErrorKind.REAUTH:
        if account.status == AccountStatus.ACTIVE:
            social_accounts.mark_needs_reconnect(account, reason=error.message)
    else:
        log.warning("account %s (%s): reading from the network failed: %s %s", account.id, account.provider,
                    error.kind, error.message)
