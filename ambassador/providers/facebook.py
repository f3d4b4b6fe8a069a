"""Facebook Pages: a member connects with Facebook Login and publishes as the Pages they manage.

Login is the server-side code flow with our app secret. Facebook does not use PKCE in this
flow for web apps holding a secret (its PKCE support is for the OIDC flow, documented as still
in testing), so the `code_challenge` the caller passes is not sent; `state` is. The user token
is exchanged for a long-lived one (fb_exchange_token), and /me/accounts then lists each Page
with its own Page token; Page tokens derived from a long-lived user token do not expire, so
every Page becomes its own account with its own TokenSet (expires_at None). There is no
refresh: when a Page token stops working (OAuthException 190) the member reconnects.

Every call carries `appsecret_proof` (HMAC-SHA256 of the token with the app secret), which
Facebook requires when "Require App Secret" is on and accepts otherwise.

Errors come as {"error": {"message", "type", "code", "error_subcode"}}, usually with HTTP 400:
190/102 → REAUTH, 10 and 200-299 (permission) → REAUTH, 4 (app-wide) / 17 / 32 / 613 / 80001
→ RATE_LIMITED, 506 (duplicate post) and 368 (blocked as abusive) → REJECTED.

Engagement (needs pages_read_engagement): `GET /?ids=…&fields=reactions.summary(total_count),
comments.summary(total_count),shares`, up to 50 ids a call. Graph fails the whole batch when one
id does not exist (#803 "Some of the aliases you requested do not exist"); the adapter then asks
for each post alone, and a post that answers #100 with subcode 33 ("does not exist") is deleted.
`shares` is absent while nobody shared the post (0 then; the field exists only with a count).
No impressions here (those are Page Insights). Potential reach: the Page's followers_count
(fan_count, its likes, for older Pages that have no follower count).
"""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from flask_babel import lazy_gettext as _l

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
from .http import classify
from .http import request as http_request
from .registry import register

SCOPES = "pages_show_list,pages_manage_posts,pages_read_engagement"
REAUTH_CODES = {102, 190, 10}
RATE_LIMIT_CODES = {4, 17, 32, 613, 80001}
REJECTED_CODES = {506, 368}
MAX_PAGES_OF_PAGES = 10
MAX_IDS = 50
POST_FIELDS = "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares"
MISSING_ALIASES = 803
DOES_NOT_EXIST = "100/33"  # code/error_subcode


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@register
class FacebookProvider(SocialProvider):
    name = "facebook"
    label = "Facebook Pages"
    connect_style = "oauth"
    settings = ("FACEBOOK_APP_ID", "FACEBOOK_APP_SECRET")
    can_refresh = False
    metrics_batch = MAX_IDS

    @classmethod
    def is_configured(cls, config: dict[str, Any]) -> bool:
        return bool(config.get("FACEBOOK_APP_ID") and config.get("FACEBOOK_APP_SECRET"))

    @property
    def _graph(self) -> str:
        return f"{self.config['FACEBOOK_GRAPH_URL'].rstrip('/')}/{self.config['FACEBOOK_GRAPH_VERSION']}"

    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str, service_url: str = "") -> str:
        query = urlencode({"client_id": self.config["FACEBOOK_APP_ID"], "redirect_uri": redirect_uri,
                           "state": state, "scope": SCOPES, "response_type": "code"})
        base = self.config["FACEBOOK_AUTH_URL"].rstrip("/")
        return f"{base}/{self.config['FACEBOOK_GRAPH_VERSION']}/dialog/oauth?{query}"

    def exchange(self, *, code: str, redirect_uri: str, code_verifier: str, service_url: str = "") -> TokenSet:
        app = {"client_id": self.config["FACEBOOK_APP_ID"], "client_secret": self.config["FACEBOOK_APP_SECRET"]}
        short = self._call("GET", "/oauth/access_token", params={**app, "redirect_uri": redirect_uri, "code": code})
        if not short.get("access_token"):
            raise ProviderError(ErrorKind.REJECTED, "Facebook answered without an access token")
        long = self._call("GET", "/oauth/access_token", params={**app, "grant_type": "fb_exchange_token",
                                                                "fb_exchange_token": short["access_token"]})
        token = long.get("access_token") or short["access_token"]
        expires_in = long.get("expires_in") if long.get("access_token") else short.get("expires_in")
        return TokenSet(access_token=token, scopes=tuple(SCOPES.split(",")),
                        expires_at=_now() + timedelta(seconds=int(expires_in)) if expires_in else None)

    def refresh(self, *, refresh_token: str, service_url: str = "") -> TokenSet:
        raise ProviderError(ErrorKind.REAUTH, str(_l("Facebook access cannot be renewed; please reconnect.")))

    def profiles(self, *, tokens: TokenSet, service_url: str = "") -> list[Profile]:
        """One profile per Page the member may post to, each with its own (non-expiring) Page token."""
        profiles: list[Profile] = []
        params: dict[str, Any] = {"fields": "id,name,access_token,tasks,link,followers_count,fan_count",
                                  "limit": 100}
        after = None
        for _ in range(MAX_PAGES_OF_PAGES):
            body = self._call("GET", "/me/accounts", token=tokens.access_token,
                              params={**params, **({"after": after} if after else {})})
            for page in body.get("data") or []:
                tasks = page.get("tasks")
                if not page.get("access_token") or (tasks is not None and "CREATE_CONTENT" not in tasks):
                    continue
                profiles.append(Profile(
                    external_id=str(page["id"]), handle=page.get("name") or "", display_name=page.get("name") or "",
                    profile_url=page.get("link") or f"https://www.facebook.com/{page['id']}",
                    tokens=TokenSet(access_token=page["access_token"], scopes=tokens.scopes),
                    extra={"page_name": page.get("name") or ""}, followers=_followers(page)))
            paging = body.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                break
        return profiles

    def publish(self, *, account: AccountContext, request: PublishRequest) -> PublishResult:
        data = {"link": request.link_url} if request.link_url else {}
        if request.text.strip() and request.text.strip() != request.link_url:
            data["message"] = request.text
        body = self._call("POST", f"/{account.external_id}/feed", token=account.access_token, data=data)
        if not body.get("id"):
            raise ProviderError(ErrorKind.UNKNOWN_OUTCOME, "Facebook answered without a post id")
        return PublishResult(external_id=str(body["id"]), url=f"https://www.facebook.com/{body['id']}")

    # --- engagement and potential reach -------------------------------------------------------
    @classmethod
    def reports_engagement(cls, *, scopes: tuple[str, ...]) -> bool:
        return "pages_read_engagement" in scopes

    @classmethod
    def reports_followers(cls) -> bool:
        return True

    def metrics(self, *, account: AccountContext, external_ids: list[str]) -> MetricsResult:
        if not 0 < len(external_ids) <= MAX_IDS:
            raise ValueError(f"Graph takes 1 to {MAX_IDS} ids a call")
        result = MetricsResult()
        try:
            body = self._call("GET", "/", token=account.access_token,
                              params={"ids": ",".join(external_ids), "fields": POST_FIELDS})
        except ProviderError as exc:
            if exc.code != str(MISSING_ALIASES):
                raise
            body = {}
            for post_id in external_ids:  # one of them is gone: ask each alone
                try:
                    body[post_id] = self._call("GET", f"/{post_id}", token=account.access_token,
                                               params={"fields": POST_FIELDS})
                except ProviderError as gone:
                    if gone.code != DOES_NOT_EXIST:
                        raise
                    result.deleted.add(post_id)
        for post_id, post in body.items():
            if post_id in external_ids and isinstance(post, dict):
                result.found[post_id] = Engagement(
                    likes=count(_summary(post, "reactions")), replies=count(_summary(post, "comments")),
                    reposts=count((post.get("shares") or {}).get("count") or 0))
        return result

    def follower_count(self, *, account: AccountContext) -> int | None:
        return _followers(self._call("GET", f"/{account.external_id}", token=account.access_token,
                                     params={"fields": "followers_count,fan_count"}))

    # --- Graph API ---------------------------------------------------------------------------------
    def _call(self, method: str, path: str, *, token: str | None = None, params: dict | None = None,
              data: dict | None = None) -> dict:
        auth = {}
        if token:
            proof = hmac.new(self.config["FACEBOOK_APP_SECRET"].encode(), token.encode(), hashlib.sha256).hexdigest()
            auth = {"access_token": token, "appsecret_proof": proof}
        idempotent = method == "GET"
        kwargs = {"params": {**(params or {}), **auth}} if method == "GET" else {"data": {**(data or {}), **auth}}
        response = http_request(method, f"{self._graph}{path}", idempotent=idempotent, config=self.config, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        error = classify(response, idempotent=idempotent)
        if error is None:
            return body
        detail = body.get("error")
        raise _refine(error, detail if isinstance(detail, dict) else {}, response.headers)


def _summary(post: dict, edge: str) -> object:
    return ((post.get(edge) or {}).get("summary") or {}).get("total_count")


def _followers(page: dict) -> int | None:
    followers = count(page.get("followers_count"))
    return followers if followers is not None else count(page.get("fan_count"))


def _refine(error: ProviderError, details: dict, headers) -> ProviderError:
    """Sort a Graph API error by its code (the HTTP status alone says little: most are 400).

    `.code` keeps Graph's own code ("803", or "100/33" with a subcode) for callers that need it."""
    code = details.get("code")
    subcode = details.get("error_subcode")
    error.code = f"{code}/{subcode}" if subcode else (str(code) if code is not None else None)
    message = details.get("error_user_msg") or details.get("message") or error.message
    if code in REAUTH_CODES or (isinstance(code, int) and 200 <= code <= 299):
        return ProviderError(ErrorKind.REAUTH, message, status=error.status)
    if code in RATE_LIMIT_CODES:
        wait = _regain_minutes(headers) or (60 if code == 4 else 15)
        return ProviderError(ErrorKind.RATE_LIMITED, message, status=error.status,
                             retry_at=_now() + timedelta(minutes=wait), app_wide=code == 4)
    if code in REJECTED_CODES:
        return ProviderError(ErrorKind.REJECTED, message, status=error.status)
    error.message = message
    return error


def _regain_minutes(headers) -> int | None:
    """estimated_time_to_regain_access (minutes) from X-Business-Use-Case-Usage, when Facebook sends it."""
    try:
        usage = json.loads(headers.get("X-Business-Use-Case-Usage") or "{}")
    except ValueError:
        return None
    minutes = [entry.get("estimated_time_to_regain_access") or 0
               for entries in usage.values() if isinstance(entries, list) for entry in entries
               if isinstance(entry, dict)]
    return max(minutes) if minutes and max(minutes) > 0 else None
