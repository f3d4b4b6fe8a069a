"""X (formerly Twitter): OAuth 2.0 authorization code with PKCE, API v2.

- Access tokens last two hours; `offline.access` brings a refresh token. X rotates refresh
  tokens: every refresh answers a new one and the old one stops working, so `refresh()` returns
  it and the caller must store it (services/social_accounts does). If a refresh's answer is
  lost (timeout), X may already have rotated: the next try then says the token is invalid and
  the member is asked to reconnect — the truth, since the new token never reached us.
- Confidential clients (X_CLIENT_SECRET set) authenticate to the token endpoint with HTTP Basic;
  public clients send their client_id in the form.
- `POST /2/tweets` has no idempotency key: a timeout or 5xx after sending is UNKNOWN_OUTCOME.
- Rate limits: `x-rate-limit-*` per 15-minute window, plus 24-hour caps announced in
  `x-user-limit-24hour-*` (this member) and `x-app-limit-24hour-*` (our whole app).
- Engagement: `GET /2/tweets?ids=…&tweet.fields=public_metrics`, up to 100 ids a call (like,
  retweet, reply, quote and impression counts; impressions only for the author's own posts, which
  ours are). A deleted post is not in `data` but in `errors` with the type
  `…/problems/resource-not-found`; other errors (e.g. a suspended author) leave it unknown.
  Followers: `public_metrics.followers_count` of `GET /2/users/me?user.fields=public_metrics`.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

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
from .http import classify, oauth_token, parse_reset, spent_until, token_set
from .http import request as http_request
from .registry import register

SCOPES = ("tweet.read", "tweet.write", "users.read", "offline.access")
PROFILE_URL = "https://x.com/{username}"
STATUS_URL = "https://x.com/{username}/status/{id}"
# Works for any author when the username is unknown.
STATUS_URL_ANY = "https://x.com/i/web/status/{id}"
NOT_FOUND = "https://api.twitter.com/2/problems/resource-not-found"
MAX_IDS = 100


@register
class XProvider(SocialProvider):
    name = "x"
    label = "X"
    connect_style = "oauth"
    settings = ("X_CLIENT_ID", "X_CLIENT_SECRET")
    can_refresh = True
    metrics_batch = MAX_IDS

    @classmethod
    def is_configured(cls, config: dict[str, Any]) -> bool:
        return bool(config.get("X_CLIENT_ID"))

    # --- OAuth -------------------------------------------------------------------------

    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str, service_url: str = "") -> str:
        query = urlencode({"response_type": "code", "client_id": self.config["X_CLIENT_ID"],
                           "redirect_uri": redirect_uri, "scope": " ".join(SCOPES), "state": state,
                           "code_challenge": code_challenge, "code_challenge_method": "S256"}, quote_via=quote)
        return f"{self.config['X_AUTH_URL']}?{query}"

    def exchange(self, *, code: str, redirect_uri: str, code_verifier: str, service_url: str = "") -> TokenSet:
        return self._token({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                            "code_verifier": code_verifier})

    def refresh(self, *, refresh_token: str, service_url: str = "") -> TokenSet:
        if not refresh_token:
            raise ProviderError(ErrorKind.REAUTH, "no refresh token stored for this X account")
        # The answer carries a new refresh token; the one sent here is dead from now on.
        return self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def _token(self, grant: dict[str, str]) -> TokenSet:
        client_id, secret = self.config["X_CLIENT_ID"], self.config.get("X_CLIENT_SECRET") or ""
        data, auth = dict(grant), None
        if secret:
            auth = (client_id, secret)
        else:
            data["client_id"] = client_id
        return token_set(oauth_token(self.config["X_TOKEN_URL"], data=data, auth=auth, config=self.config))

    # --- Identity ----------------------------------------------------------------------

    def profiles(self, *, tokens: TokenSet, service_url: str = "") -> list[Profile]:
        data = self._me(tokens.access_token)
        if not data.get("id") or not data.get("username"):
            raise ProviderError(ErrorKind.REJECTED, "X's users/me answer has no id or username")
        username = data["username"]
        return [Profile(external_id=str(data["id"]), handle=f"@{username}", display_name=data.get("name") or username,
                        profile_url=PROFILE_URL.format(username=username), extra={"username": username},
                        followers=_followers(data))]

    def _me(self, access_token: str) -> dict[str, Any]:
        response = self._get("/2/users/me", access_token, {"user.fields": "public_metrics"})
        return _data(response.json())

    # --- Engagement and potential reach ------------------------------------------------

    @classmethod
    def reports_engagement(cls, *, scopes: tuple[str, ...]) -> bool:
        return True  # tweet.read, always requested

    @classmethod
    def reports_followers(cls) -> bool:
        return True

    def metrics(self, *, account: AccountContext, external_ids: list[str]) -> MetricsResult:
        if not 0 < len(external_ids) <= MAX_IDS:
            raise ValueError(f"X takes 1 to {MAX_IDS} ids a call")
        response = self._get("/2/tweets", account.access_token,
                             {"ids": ",".join(external_ids), "tweet.fields": "public_metrics"})
        try:
            body = response.json()
        except ValueError as exc:
            raise ProviderError(ErrorKind.RETRY, "X answered something that is not JSON",
                                status=response.status_code) from exc
        result = MetricsResult()
        for tweet in (body.get("data") or []) if isinstance(body, dict) else []:
            metrics = tweet.get("public_metrics") if isinstance(tweet, dict) else None
            if isinstance(metrics, dict) and tweet.get("id"):
                result.found[str(tweet["id"])] = Engagement(
                    likes=count(metrics.get("like_count")), reposts=count(metrics.get("retweet_count")),
                    replies=count(metrics.get("reply_count")), quotes=count(metrics.get("quote_count")),
                    impressions=count(metrics.get("impression_count")))
        for error in (body.get("errors") or []) if isinstance(body, dict) else []:
            if isinstance(error, dict) and error.get("type") == NOT_FOUND and error.get("resource_type") == "tweet":
                result.deleted.add(str(error.get("resource_id") or error.get("value") or ""))
        result.deleted &= set(external_ids)
        return result

    def follower_count(self, *, account: AccountContext) -> int | None:
        return _followers(self._me(account.access_token))

    def _get(self, path: str, access_token: str, params: dict[str, str]):
        response = http_request("GET", f"{self._api()}{path}", idempotent=True, config=self.config, params=params,
                                headers={"Authorization": f"Bearer {access_token}"})
        error = classify(response, idempotent=True)
        if error is not None:
            if error.kind is ErrorKind.RATE_LIMITED:
                _daily_cap(error, response.headers)
            raise error
        return response

    # --- Publishing --------------------------------------------------------------------

    def publish(self, *, account: AccountContext, request: PublishRequest) -> PublishResult:
        response = http_request("POST", f"{self._api()}/2/tweets", idempotent=False, config=self.config,
                                json={"text": request.text},
                                headers={"Authorization": f"Bearer {account.access_token}"})
        error = classify(response, idempotent=False)
        if error is not None:
            if error.kind is ErrorKind.RATE_LIMITED:
                _daily_cap(error, response.headers)
            raise error
        tweet_id = _data(response.json()).get("id")
        if not tweet_id:
            # A 2xx without an id: it may well exist, so never post again by ourselves.
            raise ProviderError(ErrorKind.UNKNOWN_OUTCOME, "X answered without the new post's id",
                                status=response.status_code)
        username = (account.extra or {}).get("username")
        url = STATUS_URL.format(username=username, id=tweet_id) if username else STATUS_URL_ANY.format(id=tweet_id)
        result = PublishResult(external_id=str(tweet_id), url=url, wait_until=spent_until(response.headers))
        cap = _spent_cap(response.headers)  # a 24-hour cap outlasts the 15-minute window (a past one is ignored later)
        if cap is not None and cap[0] is not None and (result.wait_until is None or cap[0] > result.wait_until):
            result.wait_until, result.wait_app_wide = cap
        return result

    def _api(self) -> str:
        return self.config["X_API_URL"].rstrip("/")


def _data(body: Any) -> dict[str, Any]:
    data = body.get("data") if isinstance(body, dict) else None
    return data if isinstance(data, dict) else {}


def _followers(user: dict[str, Any]) -> int | None:
    metrics = user.get("public_metrics")
    return count(metrics.get("followers_count")) if isinstance(metrics, dict) else None


def _daily_cap(exc: ProviderError, headers) -> None:
    """Refine a 429 with X's 24-hour caps: the app's (everyone waits) or the member's."""
    if (cap := _spent_cap(headers)) is not None:
        reset, exc.app_wide = cap
        exc.retry_at = reset or exc.retry_at


def _spent_cap(headers) -> tuple[datetime | None, bool] | None:
    """(its reset, whether it is the app's) of the 24-hour cap with no post left, if any."""
    for prefix, app_wide in _DAILY_CAPS:
        if headers.get(f"{prefix}-remaining", "").strip() == "0":
            return parse_reset(headers.get(f"{prefix}-reset", "")), app_wide
    return None


_DAILY_CAPS = (("x-app-limit-24hour", True), ("x-user-limit-24hour", False))
