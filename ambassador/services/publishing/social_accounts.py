"""Linked social accounts: saving connections, usable tokens (refreshed ahead of expiry), reconnect state.

Tokens are encrypted at rest (infra/crypto.py). A refresh persists every new refresh token
and never overwrites a stored one with an empty value; `invalid_grant`/401 marks the account
"needs reconnect" and tells its owner, a transient failure does not.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...infra import crypto
from ...infra.email import send_email
from ...infra.urls import absolute_url
from ...models import AccountStatus, Membership, SocialAccount, utcnow
from ...providers import registry
from ...providers.base import AccountContext, ErrorKind, Profile, ProviderError, TokenSet

REFRESH_MARGIN = timedelta(minutes=5)


def _apply_tokens(account: SocialAccount, tokens: TokenSet) -> None:
    account.access_token_enc = crypto.encrypt(tokens.access_token)
    if tokens.refresh_token:  # never replace a stored refresh token with nothing
        account.refresh_token_enc = crypto.encrypt(tokens.refresh_token)
    account.token_expires_at = tokens.expires_at
    if tokens.scopes:
        account.scopes = " ".join(tokens.scopes)


def save_connection(*, membership: Membership, provider: str, profiles: list[Profile], tokens: TokenSet,
                    service_url: str = "") -> list[SocialAccount]:
    """Create or update (reconnect) one account per profile; each profile may carry its own tokens."""
    saved = []
    for profile in profiles:
        account = db.session.scalar(sa.select(SocialAccount).where(
            SocialAccount.membership_id == membership.id, SocialAccount.provider == provider,
            SocialAccount.external_id == profile.external_id))
        if account is None:
            account = SocialAccount(org_id=membership.org_id, membership_id=membership.id, provider=provider,
                                    external_id=profile.external_id, extra={})
            db.session.add(account)
        account.handle = profile.handle
        account.display_name = profile.display_name
        account.profile_url = profile.profile_url
        account.service_url = service_url
        account.extra = {**(account.extra or {}), **profile.extra}
        _apply_tokens(account, profile.tokens or tokens)
        account.status = AccountStatus.ACTIVE
        account.last_error = None
        account.expiry_warned_days = None
        record_followers(account, profile.followers)  # potential reach, when the profile answer carries it
        saved.append(account)
    db.session.flush()
    return saved


def record_followers(account: SocialAccount, followers: int | None, *, now: datetime | None = None) -> None:
    """Store a follower count the network gave; None (it did not say) keeps the last known one."""
    if followers is not None:
        account.followers_count = followers
        account.followers_fetched_at = now or utcnow()


def accounts_for(membership: Membership, *, usable_only: bool = False) -> list[SocialAccount]:
    query = sa.select(SocialAccount).where(SocialAccount.membership_id == membership.id,
                                           SocialAccount.org_id == membership.org_id)
    if usable_only:
        query = query.where(SocialAccount.status == AccountStatus.ACTIVE)
    else:
        query = query.where(SocialAccount.status != AccountStatus.DISCONNECTED)
    return list(db.session.scalars(query.order_by(SocialAccount.provider, SocialAccount.id)))


def mark_needs_reconnect(account: SocialAccount, *, reason: str) -> None:
    """The grant is gone: stop using the account and tell its owner once."""
    already = account.status == AccountStatus.NEEDS_RECONNECT
    account.status = AccountStatus.NEEDS_RECONNECT
    account.last_error = reason[:1000]
    db.session.flush()
    if not already:
        user = account.membership.user
        send_email(to=user.email, org_id=account.org_id, locale=user.locale,
                   subject=_l("Reconnect your %(network)s account", network=_provider_label(account.provider)),
                   template="account_reconnect", account=account, user=user, reason=reason,
                   network=_provider_label(account.provider),
                   link=absolute_url("accounts.index"))


def _provider_label(name: str) -> str:
    cls = registry.all_classes().get(name)
    return cls.label if cls else name


def disconnect(account: SocialAccount) -> None:
    """Forget the tokens; the row stays for the history of its shares."""
    account.status = AccountStatus.DISCONNECTED
    account.access_token_enc = None
    account.refresh_token_enc = None
    account.token_expires_at = None
    db.session.flush()


def refresh_now(account: SocialAccount, *, now: datetime | None = None,
                unless_valid_for: timedelta | None = None) -> None:
    """Refresh the tokens under a per-account lock; REAUTH marks the account, other errors propagate.

    X rotates refresh tokens: each refresh kills the one it used, so two workers refreshing the
    same account at once would leave the loser with a dead token ("needs reconnect"). The row is
    locked first (PostgreSQL: SELECT … FOR UPDATE, held until the caller commits; SQLite: the
    caller took the write lock with database.begin_write) and re-read, so the latest refresh token
    is the one sent. With `unless_valid_for`, a token that another worker refreshed meanwhile
    (valid for longer than that) is kept as it is.
    """
    now = now or utcnow()
    db.session.get(SocialAccount, account.id, with_for_update=True, populate_existing=True)
    if account.status != AccountStatus.ACTIVE:  # another worker's refresh was refused meanwhile
        raise ProviderError(ErrorKind.REAUTH, account.last_error or "the account needs reconnecting")
    if unless_valid_for is not None and (account.token_expires_at is None
                                         or account.token_expires_at - unless_valid_for > now):
        return
    provider = registry.get(account.provider)
    refresh_token = crypto.decrypt(account.refresh_token_enc)
    if not provider.can_refresh or not refresh_token:
        if account.token_expires_at and account.token_expires_at <= now:
            mark_needs_reconnect(account, reason="The access token expired and this network cannot renew it.")
            raise ProviderError(ErrorKind.REAUTH, "token expired")
        return
    try:
        tokens = provider.refresh(refresh_token=refresh_token, service_url=account.service_url)
    except ProviderError as exc:
        if exc.kind is ErrorKind.REAUTH:
            mark_needs_reconnect(account, reason=exc.message)
        raise
    _apply_tokens(account, tokens)
    db.session.flush()


def access_context(account: SocialAccount, *, now: datetime | None = None,
                   margin: timedelta = REFRESH_MARGIN) -> AccountContext:
    """Decrypted credentials to act for the account, refreshed first when they expire soon."""
    if account.status != AccountStatus.ACTIVE:
        raise ProviderError(ErrorKind.REAUTH, "the account needs reconnecting")
    now = now or utcnow()
    if account.token_expires_at is not None and account.token_expires_at - margin <= now:
        refresh_now(account, now=now, unless_valid_for=margin)
    return AccountContext(external_id=account.external_id, access_token=crypto.decrypt(account.access_token_enc) or "",
                          service_url=account.service_url, extra=dict(account.extra or {}))
