"""Connecting an account: OAuth flows (state bound to the session + PKCE S256) and app-password logins.

A flow is kept in a mapping the caller owns (the view passes Flask's `session`), one entry per
provider, because requests-oauthlib's own PKCE verifier does not survive the redirect. The entry
is single-use: the callback pops it before checking anything, so a replayed or forged callback
never finds a flow to complete. The view commits; these functions only flush.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from ...errors import ServiceError
from ...infra.safe_http import UnsafeURL, check_public_url
from ...models import Membership, SocialAccount, utcnow
from ...providers import instance_urls
from ...providers.base import ErrorKind, ProviderError, SocialProvider, TokenSet
from . import social_accounts

FLOW_TTL = timedelta(minutes=10)
_HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


class ConnectError(ServiceError):
    """Something went wrong connecting; the message is for the person, nothing was saved."""

    code = "connect"


@dataclass
class Flow:
    provider: str
    state: str
    verifier: str
    service_url: str
    created_at: datetime
    owner: int | None = None  # the membership that started it

    @property
    def challenge(self) -> str:
        return pkce_challenge(self.verifier)


def flow_key(provider: str) -> str:
    return f"oauth_flow:{provider}"


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 S256: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def start_flow(*, store: MutableMapping, provider: str, service_url: str = "", owner: int | None = None,
               now: datetime | None = None) -> Flow:
    """A fresh state and PKCE verifier for `provider`, remembered in `store` (replacing an older one)."""
    flow = Flow(provider=provider, state=secrets.token_urlsafe(32), verifier=secrets.token_urlsafe(64),
                service_url=service_url, created_at=now or utcnow(), owner=owner)
    store[flow_key(provider)] = {"provider": flow.provider, "state": flow.state, "verifier": flow.verifier,
                                 "service_url": flow.service_url, "created_at": flow.created_at.isoformat(),
                                 "owner": owner}
    return flow


def finish_flow(*, store: MutableMapping, provider: str, state: str | None, owner: int | None = None,
                now: datetime | None = None, ttl: timedelta = FLOW_TTL) -> Flow:
    """The flow the callback completes; raises ConnectError when it is missing, used, foreign or stale."""
    saved = store.pop(flow_key(provider), None)
    if not isinstance(saved, dict):
        raise ConnectError(_l("This connection attempt is unknown or was already used. Please start again."))
    try:
        flow = Flow(provider=saved["provider"], state=saved["state"], verifier=saved["verifier"],
                    service_url=saved.get("service_url", ""), created_at=datetime.fromisoformat(saved["created_at"]),
                    owner=saved.get("owner"))
    except (KeyError, TypeError, ValueError) as exc:
        raise ConnectError(_l("This connection attempt is unknown or was already used. Please start again.")) from exc
    if (flow.provider != provider or flow.owner != owner or not state
            or not hmac.compare_digest(flow.state.encode(), state.encode())):
        raise ConnectError(_l("The answer from the network does not match the connection you started. "
                              "Nothing was saved; please start again."))
    if (now or utcnow()) - flow.created_at > ttl:
        raise ConnectError(_l("This connection attempt took too long. Please start again."))
    return flow


def normalize_service_url(value: str, *, config: dict) -> str:
    """'mastodon.social' or 'https://Mastodon.Social/' → 'https://mastodon.social'; ConnectError if unusable.

    The canonical form is the adapters' (providers/instance_urls.py). Our server calls this address,
    so its name must also resolve to public addresses only (loopback too with PROVIDERS_ALLOW_HTTP).
    Every later call connects to an address checked again at that moment (infra/safe_http.py).
    """
    try:
        url = instance_urls.normalize_service_url(value, config=config)
    except ProviderError as exc:
        raise ConnectError(exc.message) from exc
    if not _HOST_RE.match(urlsplit(url).hostname or ""):
        raise ConnectError(_l("This is not a valid server address."))
    try:
        check_public_url(url, allow_loopback=bool(config.get("PROVIDERS_ALLOW_HTTP")))
    except UnsafeURL as exc:
        raise ConnectError(_l("We cannot reach a public server at this address.")) from exc
    return url


def _save(*, membership: Membership, provider: SocialProvider, tokens: TokenSet,
          service_url: str) -> list[SocialAccount]:
    profiles = provider.profiles(tokens=tokens, service_url=service_url)
    if not profiles:
        raise ConnectError(_l("%(network)s gave us no account to share with.", network=provider.label))
    return social_accounts.save_connection(membership=membership, provider=provider.name, profiles=profiles,
                                           tokens=tokens, service_url=service_url)


def complete_oauth(*, membership: Membership, provider: SocialProvider, flow: Flow, code: str,
                   redirect_uri: str) -> list[SocialAccount]:
    """Exchange the code (with the flow's PKCE verifier) and save one account per profile."""
    if not code:
        raise ConnectError(_l("%(network)s sent no authorization code. Nothing was saved; please start again.",
                              network=provider.label))
    tokens = provider.exchange(code=code, redirect_uri=redirect_uri, code_verifier=flow.verifier,
                               service_url=flow.service_url)
    return _save(membership=membership, provider=provider, tokens=tokens, service_url=flow.service_url)


def connect_with_password(*, membership: Membership, provider: SocialProvider, identifier: str, password: str,
                          service_url: str) -> list[SocialAccount]:
    """Log in with an app password and save the account (the adapter keeps the app password encrypted, like a
    token, to renew the session)."""
    tokens = provider.login(identifier=identifier.strip().lstrip("@"), password=password, service_url=service_url)
    return _save(membership=membership, provider=provider, tokens=tokens, service_url=service_url)


def explain(error: ProviderError | ConnectError, *, label: str) -> str:
    """A failure in words for the person connecting."""
    if isinstance(error, ConnectError):
        return str(error)
    if error.kind in (ErrorKind.REAUTH, ErrorKind.REJECTED):
        return str(_l("%(network)s refused the connection: %(reason)s", network=label, reason=error.message))
    if error.kind is ErrorKind.RATE_LIMITED:
        return str(_l("%(network)s asks us to slow down. Please try again in a few minutes.", network=label))
    if error.kind is ErrorKind.CONFIG:
        return str(_l("Connecting to %(network)s is not set up correctly here. Please tell an administrator.",
                      network=label))
    return str(_l("We could not reach %(network)s. Nothing was saved; please try again.", network=label))
