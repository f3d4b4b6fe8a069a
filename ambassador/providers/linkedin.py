"""LinkedIn: a member posts under their own name.

Products: "Sign In with LinkedIn using OpenID Connect" (scopes openid, profile) and "Share on
LinkedIn" (w_member_social). Posts go through the versioned Posts API (`/rest/posts` with a
`LinkedIn-Version: YYYYMM` header; LinkedIn retires a version after about a year and then
answers 426, which is our configuration to update, not the member's problem).

- No PKCE: LinkedIn's authorization-code flow for standard (server-side) apps authenticates
  the app with its client secret and does not offer PKCE (only some approved native-app
  partners get it), so `code_challenge` is accepted for the common interface and ignored.
  The `state` parameter, bound to the session by the caller, is what protects the redirect.
- Member tokens last 60 days. Refresh tokens are issued only to approved partners: when one
  comes back it is stored and used; otherwise `refresh()` raises REAUTH and the member is
  warned before expiry (services/social_accounts).
- No idempotency key: a POST that may have reached LinkedIn (timeout, 5xx) is an
  UNKNOWN_OUTCOME, never retried by itself.
- Rate limits are daily and reset at midnight UTC; LinkedIn sends no reset header.
- `commentary` is LinkedIn's "little" text format: reserved characters must be backslash-
  escaped or LinkedIn silently cuts the post at the first one.
- Engagement and potential reach: not available. Reading a member's social actions
  (`/rest/socialActions`, `/rest/socialMetadata`) needs `r_member_social`, a restricted permission
  LinkedIn grants only to approved Community Management partners; this app asks for the scopes above,
  so `reports_engagement` is False and the UI says LinkedIn does not report engagement for the
  account. Members' connection/follower counts are not offered to this product either: unknown.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from .base import (
    AccountContext,
    ErrorKind,
    Profile,
    ProviderError,
    PublishRequest,
    PublishResult,
    SocialProvider,
    TokenSet,
)
from .http import oauth_token, send, token_set
from .registry import register

SCOPES = ("openid", "profile", "w_member_social")
PERSON_URN = "urn:li:person:"
FEED_URL = "https://www.linkedin.com/feed/update/{urn}/"

# Reserved by the little text format (LinkedIn docs: "little Text Format"); every one is
# escaped with a backslash, even where it would not start an element.
_RESERVED = re.compile(r"([\\|{}@\[\]()<>#*_~])")
# A hashtag: "#" at the start or after whitespace, then letters/digits, not glued to more word
# characters (so "#foo_bar" and "page#anchor" stay plain text).
_HASHTAG = re.compile(r"(?<!\S)#([^\W_]+)(?!\w)")


def little_text(text: str) -> str:
    """Plain text → little text: reserved characters escaped, #hashtags as HashtagTemplates.

    "Prices (new) #Launch" → "Prices \\(new\\) {hashtag|\\#|Launch}". The hashtag template keeps
    tags clickable; its sign is escaped like every other reserved character.
    """
    parts, last = [], 0
    for match in _HASHTAG.finditer(text):
        parts.append(_RESERVED.sub(r"\\\1", text[last:match.start()]))
        parts.append(f"{{hashtag|\\#|{match.group(1)}}}")
        last = match.end()
    parts.append(_RESERVED.sub(r"\\\1", text[last:]))
    return "".join(parts)


def next_utc_midnight(now: datetime | None = None) -> datetime:
    now = now or datetime.now(UTC).replace(tzinfo=None)
    return datetime.combine(now.date() + timedelta(days=1), time())


@register
class LinkedInProvider(SocialProvider):
    name = "linkedin"
    label = "LinkedIn"
    connect_style = "oauth"
    settings = ("LINKEDIN_CLIENT_ID", "LINKEDIN_CLIENT_SECRET")
    # Only approved partners get refresh tokens; refresh_now() calls refresh() only when one
    # is stored, and refresh() says REAUTH when it cannot renew.
    can_refresh = True

    @classmethod
    def is_configured(cls, config: dict[str, Any]) -> bool:
        return bool(config.get("LINKEDIN_CLIENT_ID") and config.get("LINKEDIN_CLIENT_SECRET"))

    # --- OAuth -------------------------------------------------------------------------

    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str, service_url: str = "") -> str:
        # code_challenge is ignored on purpose: LinkedIn's standard flow has no PKCE (see module doc).
        query = urlencode({"response_type": "code", "client_id": self.config["LINKEDIN_CLIENT_ID"],
                           "redirect_uri": redirect_uri, "state": state, "scope": " ".join(SCOPES)})
        return f"{self.config['LINKEDIN_AUTH_URL']}?{query}"

    def exchange(self, *, code: str, redirect_uri: str, code_verifier: str, service_url: str = "") -> TokenSet:
        return self._token({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri})

    def refresh(self, *, refresh_token: str, service_url: str = "") -> TokenSet:
        if not refresh_token:
            raise ProviderError(ErrorKind.REAUTH, "LinkedIn gave no refresh token: the member must reconnect")
        return self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def _token(self, grant: dict[str, str]) -> TokenSet:
        body = oauth_token(self.config["LINKEDIN_TOKEN_URL"], config=self.config, data={
            **grant, "client_id": self.config["LINKEDIN_CLIENT_ID"],
            "client_secret": self.config["LINKEDIN_CLIENT_SECRET"]})
        return token_set(body)

    # --- Identity ----------------------------------------------------------------------

    def profiles(self, *, tokens: TokenSet, service_url: str = "") -> list[Profile]:
        response = send("GET", f"{self._api()}/v2/userinfo", idempotent=True, config=self.config,
                        headers={"Authorization": f"Bearer {tokens.access_token}"})
        info = response.json()
        if not isinstance(info, dict) or not info.get("sub"):
            raise ProviderError(ErrorKind.REJECTED, "LinkedIn's userinfo answer has no member id (sub)")
        name = info.get("name") or " ".join(filter(None, (info.get("given_name"), info.get("family_name"))))
        extra = {"picture": info["picture"]} if info.get("picture") else {}
        return [Profile(external_id=PERSON_URN + info["sub"], handle=name, display_name=name, extra=extra)]

    # --- Publishing --------------------------------------------------------------------

    def publish(self, *, account: AccountContext, request: PublishRequest) -> PublishResult:
        author = account.external_id if account.external_id.startswith("urn:li:") else PERSON_URN + account.external_id
        article = {"source": request.link_url, "title": request.title or request.link_url}
        if request.description:
            article["description"] = request.description
        body = {
            "author": author,
            "commentary": little_text(request.text),
            "visibility": "PUBLIC",
            "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                             "thirdPartyDistributionChannels": []},
            "content": {"article": article},
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        try:
            response = send("POST", f"{self._api()}/rest/posts", idempotent=False, config=self.config, json=body,
                            headers=self._rest_headers(account.access_token))
        except ProviderError as exc:
            raise self._explain(exc) from exc
        urn = response.headers.get("x-restli-id", "").strip()
        if not urn:
            raise ProviderError(ErrorKind.UNKNOWN_OUTCOME, "LinkedIn accepted the post but did not say its id",
                                status=response.status_code)
        return PublishResult(external_id=urn, url=FEED_URL.format(urn=urn))

    def _rest_headers(self, access_token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {access_token}", "LinkedIn-Version": self.config["LINKEDIN_API_VERSION"],
                "X-Restli-Protocol-Version": "2.0.0"}

    def _explain(self, exc: ProviderError) -> ProviderError:
        """LinkedIn-specific meaning of a classified failure."""
        if exc.kind is ErrorKind.CONFIG and exc.status == 426:
            exc.message = (f"LinkedIn-Version {self.config['LINKEDIN_API_VERSION']} is no longer supported; "
                           "update LINKEDIN_API_VERSION")
            exc.args = (exc.message,)
        elif exc.kind is ErrorKind.RATE_LIMITED and "throttle" in exc.message.lower():
            # "Resource level throttle … limit for calls to this resource is reached": a daily
            # quota (member or application), reset at midnight UTC. Other 429s (LinkedIn's
            # infrastructure protection) keep the default short wait.
            exc.retry_at = next_utc_midnight()
            exc.app_wide = "APPLICATION" in exc.message.upper()
        return exc

    def _api(self) -> str:
        return self.config["LINKEDIN_API_URL"].rstrip("/")
