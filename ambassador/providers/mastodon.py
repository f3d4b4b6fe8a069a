"""Mastodon: any instance the member names (connect_style "instance_oauth").

Client credentials: an app is registered once per instance (POST /api/v1/apps) and reused;
services/publishing/mastodon_apps.py stores it (OAuthClient, secret encrypted). The caller passes that store
in as `clients` (base.AppClients: `client_for`, `forget`), so the adapter imports no service or
model; `authorize_url` and `exchange` look the credentials up through it (the store needs an app
context and flushes a new registration: the caller commits, as the outermost caller always does).
Without a store the adapter can publish, but not connect accounts.

OAuth is the authorization-code flow with PKCE S256 (Mastodon >= 4.3 checks it; older servers
ignore the extra parameters). Mastodon tokens do not expire and cannot be refreshed.

Publishing sends `Idempotency-Key`: Mastodon keeps it for one hour and answers a repeated post
with the first status, but it stores the key only once the status is created and the request got
that far (PostStatusService). A retry after a 5xx that came once the request was sent (the status
may exist, the key not), or after a read timeout (the first request may still be running), can
therefore post twice: both are UNKNOWN_OUTCOME ("unconfirmed"), never retried by themselves. Only
what surely did not reach the instance (a refused connection, a connect timeout) and 429 are
retried. The key still makes sending again harmless once an earlier request has long finished
(a worker that died mid-call: services/publishing/leases.py).

Engagement: `GET /api/v1/statuses?id[]=…` (Mastodon 4.3+, at most 20 ids, DEFAULT_STATUSES_LIMIT;
statuses that do not exist are left out of the answer); an older instance has no such route and
answers 404, and then each status is read with `GET /api/v1/statuses/:id` (404 = deleted). A status
missing from a batch answer is checked that way too before it is marked deleted. Counts:
favourites_count, reblogs_count, replies_count, quotes_count where the instance gives it (4.5+);
Mastodon reports no impressions. Followers: followers_count of verify_credentials.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask_babel import lazy_gettext as _l

from ..infra.safe_http import member_hosts_session
from .base import (
    AccountContext,
    Engagement,
    ErrorKind,
    MetricsResult,
    Profile,
    ProviderError,
    PublishRequest,
    PublishResult,
    SocialProvider,
    TokenSet,
    count,
)
from .http import classify, error_message, oauth_token, send, spent_until, token_set
from .http import request as http_request
from .instance_urls import normalize_service_url
from .registry import register

SCOPES = "write:statuses write:media read:accounts"
CLIENT_NAME = "Ambassador"
MAX_STATUS_IDS = 20  # Api::BaseController::DEFAULT_STATUSES_LIMIT

def register_app(*, service_url: str, redirect_uri: str, website: str, config: dict[str, Any]) -> tuple[str, str]:
    """POST /api/v1/apps on the instance: (client_id, client_secret) for our exact redirect URI."""
    response = send("POST", f"{service_url}/api/v1/apps", idempotent=True, config=config,
                    session=member_hosts_session(config),
                    data={"client_name": CLIENT_NAME, "redirect_uris": redirect_uri, "scopes": SCOPES,
                          "website": website})
    body = _json(response)
    if not body.get("client_id") or not body.get("client_secret"):
        raise ProviderError(ErrorKind.RETRY, "the instance did not return client credentials",
                            status=response.status_code)
    return body["client_id"], body["client_secret"]


@register
class MastodonProvider(SocialProvider):
    name = "mastodon"
    label = "Mastodon"
    connect_style = "instance_oauth"
    settings = ("MASTODON_ENABLED",)
    can_refresh = False
    # Statuses carry an Idempotency-Key, which Mastodon remembers for one hour once it stored it.
    idempotent_publish = True
    idempotency_window = timedelta(minutes=55)
    metrics_batch = MAX_STATUS_IDS

    @classmethod
    def is_configured(cls, config: dict[str, Any]) -> bool:
        return bool(config.get("MASTODON_ENABLED"))

    def normalize_service_url(self, value: str) -> str:
        """The canonical instance URL to store on the account (ProviderError REJECTED if unusable)."""
        return normalize_service_url(value, config=self.config)

    def _client(self, service_url: str, redirect_uri: str) -> tuple[str, str]:
        if self.clients is None:
            raise ProviderError(ErrorKind.CONFIG, "no store of Mastodon app credentials was given to the adapter")
        return self.clients.client_for(service_url=service_url, redirect_uri=redirect_uri)

    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str, service_url: str = "") -> str:
        instance = self.normalize_service_url(service_url)
        client_id, _secret = self._client(instance, redirect_uri)
        query = urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
                           "scope": SCOPES, "state": state, "code_challenge": code_challenge,
                           "code_challenge_method": "S256"})
        return f"{instance}/oauth/authorize?{query}"

    def exchange(self, *, code: str, redirect_uri: str, code_verifier: str, service_url: str = "") -> TokenSet:
        instance = self.normalize_service_url(service_url)
        client_id, client_secret = self._client(instance, redirect_uri)
        try:
            body = oauth_token(f"{instance}/oauth/token", config=self.config, session=member_hosts_session(self.config),
                               data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                                     "client_id": client_id, "client_secret": client_secret,
                                     "code_verifier": code_verifier, "scope": SCOPES})
        except ProviderError as exc:
            if exc.kind is ErrorKind.CONFIG and self.clients is not None:
                # invalid_client: the instance forgot our app (an admin removed it); register anew next time.
                self.clients.forget(service_url=instance)
            raise
        tokens = token_set(body)
        tokens.scopes = tokens.scopes or tuple(SCOPES.split())
        tokens.extra = {"service_url": instance}
        return tokens

    def refresh(self, *, refresh_token: str, service_url: str = "") -> TokenSet:
        raise ProviderError(ErrorKind.REAUTH, str(_l("Mastodon access cannot be renewed; please reconnect.")))

    def profiles(self, *, tokens: TokenSet, service_url: str = "") -> list[Profile]:
        instance = self.normalize_service_url(service_url)
        response = send("GET", f"{instance}/api/v1/accounts/verify_credentials", idempotent=True, config=self.config,
                        session=member_hosts_session(self.config), headers=_bearer(tokens.access_token))
        body = _json(response)
        username = body.get("username") or (body.get("acct") or "").split("@")[0]
        host = urlsplit(instance).netloc
        return [Profile(external_id=str(body["id"]), handle=f"@{username}@{host}",
                        display_name=body.get("display_name") or username, profile_url=body.get("url") or "",
                        extra={"acct": body.get("acct") or username}, followers=count(body.get("followers_count")))]

    def publish(self, *, account: AccountContext, request: PublishRequest) -> PublishResult:
        if not account.service_url:
            raise ProviderError(ErrorKind.CONFIG, "this Mastodon account has no instance address; reconnect it")
        headers = _bearer(account.access_token)
        if request.idempotency_key:
            headers["Idempotency-Key"] = request.idempotency_key
        # Not idempotent for a retry: a lost answer may come before the instance stored the key.
        response = http_request("POST", f"{account.service_url}/api/v1/statuses", idempotent=False,
                                config=self.config, session=member_hosts_session(self.config),
                                headers=headers, data={"status": request.text, "visibility": "public"})
        if response.status_code >= 500:  # even a 503: the request reached the instance
            raise ProviderError(ErrorKind.UNKNOWN_OUTCOME, f"the status may exist: the instance answered "
                                f"{response.status_code} ({error_message(response)})", status=response.status_code)
        error = classify(response, idempotent=False)
        if error is not None:
            raise error
        body = _json(response)
        if not body.get("id"):
            raise ProviderError(ErrorKind.UNKNOWN_OUTCOME, "the instance answered without a status id",
                                status=response.status_code)
        return PublishResult(external_id=str(body["id"]), url=body.get("url") or body.get("uri") or "",
                             wait_until=spent_until(response.headers))

    # --- engagement and potential reach -----------------------------------------------------
    @classmethod
    def reports_engagement(cls, *, scopes: tuple[str, ...]) -> bool:
        return True  # public statuses need no scope; our token reads them

    @classmethod
    def reports_followers(cls) -> bool:
        return True

    def metrics(self, *, account: AccountContext, external_ids: list[str]) -> MetricsResult:
        if not 0 < len(external_ids) <= MAX_STATUS_IDS:
            raise ValueError(f"Mastodon takes 1 to {MAX_STATUS_IDS} status ids a call")
        result = MetricsResult()
        response = self._read(account, "/api/v1/statuses", params={"id[]": external_ids})
        if response.status_code == 404:  # before Mastodon 4.3: one status at a time
            missing = list(external_ids)
        else:
            self._raise_for(response)
            for status in _json_list(response):
                if str(status.get("id")) in external_ids:
                    result.found[str(status["id"])] = _engagement(status)
            missing = [status_id for status_id in external_ids if status_id not in result.found]
        for status_id in missing:
            response = self._read(account, f"/api/v1/statuses/{status_id}")
            if response.status_code == 404:
                result.deleted.add(status_id)
                continue
            self._raise_for(response)
            result.found[status_id] = _engagement(_json(response))
        return result

    def follower_count(self, *, account: AccountContext) -> int | None:
        response = self._read(account, "/api/v1/accounts/verify_credentials")
        self._raise_for(response)
        return count(_json(response).get("followers_count"))

    def _read(self, account: AccountContext, path: str, **kwargs):
        if not account.service_url:
            raise ProviderError(ErrorKind.CONFIG, "this Mastodon account has no instance address; reconnect it")
        return http_request("GET", f"{account.service_url}{path}", idempotent=True, config=self.config,
                            session=member_hosts_session(self.config), headers=_bearer(account.access_token),
                            **kwargs)

    @staticmethod
    def _raise_for(response) -> None:
        error = classify(response, idempotent=True)
        if error is not None:
            raise error


def _engagement(status: dict) -> Engagement:
    return Engagement(likes=count(status.get("favourites_count")), reposts=count(status.get("reblogs_count")),
                      replies=count(status.get("replies_count")), quotes=count(status.get("quotes_count")))


def _json_list(response) -> list[dict]:
    try:
        body = response.json()
    except ValueError:
        return []
    return [item for item in body if isinstance(item, dict)] if isinstance(body, list) else []


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _json(response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
