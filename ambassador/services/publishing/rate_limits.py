"""Rate limits the networks announced: per account (SocialAccount.rate_limited_until) and per app on a
network or instance (AppRateLimit). Publishing and the engagement and follower-count jobs all obey them,
so reading figures never eats the quota a scheduled post needs beyond what the network allows."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ...extensions import db
from ...models import AppRateLimit, Share, SocialAccount


def app_limit_until() -> sa.ScalarSelect:
    """The app-wide limit over a Share row's account (of the enclosing query), if any: read with the shares
    of a batch (`limited_until_with`)."""
    return (sa.select(AppRateLimit.until)
            .join(SocialAccount, sa.and_(AppRateLimit.provider == SocialAccount.provider,
                                         AppRateLimit.service_url == sa.func.coalesce(SocialAccount.service_url, "")))
            .where(SocialAccount.id == Share.account_id).scalar_subquery())


def limited_until(account: SocialAccount, now: datetime) -> datetime | None:
    """When this account may call its network again, if it must wait (its own limit or the app's)."""
    app_limit = db.session.get(AppRateLimit, (account.provider, account.service_url or ""))
    return limited_until_with(account, now, app_until=app_limit.until if app_limit else None)


def limited_until_with(account: SocialAccount, now: datetime, *, app_until: datetime | None) -> datetime | None:
    """`limited_until` with the app's limit already read (`app_limit_until`, with a batch of shares)."""
    limits = [t for t in (account.rate_limited_until, app_until) if t and t > now]
    return max(limits) if limits else None


def defer(account: SocialAccount, until: datetime, *, app_wide: bool) -> None:
    """No call for this account (or this app on that network) before `until`."""
    if not app_wide:
        account.rate_limited_until = max(until, account.rate_limited_until or until)
        return
    key = (account.provider, account.service_url or "")
    limit = db.session.get(AppRateLimit, key, with_for_update=True)
    if limit is None:
        try:
            with db.session.begin_nested():
                db.session.add(AppRateLimit(provider=key[0], service_url=key[1], until=until))
            return
        except sa.exc.IntegrityError:  # another worker wrote it first
            limit = db.session.get_one(AppRateLimit, key, with_for_update=True, populate_existing=True)
    limit.until = max(until, limit.until)
