"""Bluesky (atproto): handle + app password on any PDS (connect_style "app_password").

Session: com.atproto.server.createSession gives accessJwt (~2 h) and refreshJwt (weeks);
refreshSession (Bearer refreshJwt) renews both and is preferred, because createSession is
rate limited (30 per 5 min, 300 a day per account). Only when the refresh JWT is expired or
invalid do we create a new session with the app password.

Where the app password lives: SocialAccount has no column for a second secret, so the stored
"refresh token" is a small envelope holding refreshJwt + DID + app password (see `pack`),
encrypted at rest like every token. That keeps the base interface (`refresh(refresh_token=…)`)
and services/social_accounts unchanged. TokenSet.extra["app_password"] carries it too, for a
future dedicated column (`extra_secret_enc`). A main account password is refused (the session's
scope says so): only app passwords are stored.

Publishing: createRecord with a record key fixed per share (a TID derived from the idempotency
key), so a repeat cannot create a second post. A repeat whose first attempt did succeed fails
on the existing key (older PDSes answer 500, newer ones a named error); the adapter then reads
the record back (getRecord) and reports success when it is ours.

Engagement: app.bsky.feed.getPosts with up to 25 `uris` (likeCount, repostCount, replyCount,
quoteCount; Bluesky has no impressions). A post missing from the answer may be deleted, or not yet
indexed by the app view: the adapter asks the PDS (getRecord, the authoritative copy) and marks it
deleted only when the PDS says RecordNotFound. Followers: followersCount of app.bsky.actor.getProfile.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import regex
from flask_babel import lazy_gettext as _l

from ..infra.safe_http import member_hosts_session
from ..networks import URL_RE
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
from .http import classify, spent_until
from .http import request as http_request
from .instance_urls import normalize_service_url
from .registry import register

COLLECTION = "app.bsky.feed.post"
S32 = "234567abcdefghijklmnopqrstuvwxyz"
TID_RE = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
TID_EPOCH_US = 1_672_531_200 * 1_000_000  # 2023-01-01: derived keys fall in 2023-2024, never in the future
# A hashtag starts after a space (so a URL's #fragment is not one), stops at space or punctuation at its end.
TAG_RE = regex.compile(r"(?<!\S)[#＃]([^\s#＃]*[^\s\p{P}\d][^\s#＃]*?)(?=\p{P}*(?:\s|$))")
SESSION_ERRORS = {"ExpiredToken", "InvalidToken"}
ENVELOPE = "atp-session-v1:"
MAX_URIS = 25  # app.bsky.feed.getPosts: uris, maxLength 25


def record_key(idempotency_key: str) -> str:
    """The share's fixed record key: the key itself if it is a TID, else a TID derived from it."""
    if TID_RE.match(idempotency_key):
        return idempotency_key
    digest = int.from_bytes(hashlib.sha256(idempotency_key.encode()).digest()[:8], "big")
    micros = TID_EPOCH_US + (digest >> 10) % (1 << 45)  # ~1.1 years of microseconds
    return _tid((micros << 10) | (digest & 0x3FF))


def _tid(value: int) -> str:
    chars = []
    for _ in range(13):
        chars.append(S32[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def facets(text: str) -> list[dict]:
    """Link and hashtag facets; byteStart/byteEnd are UTF-8 byte offsets (inclusive start, exclusive end)."""
    def span(start: int, end: int) -> dict:
        before = len(text[:start].encode("utf-8"))
        return {"byteStart": before, "byteEnd": before + len(text[start:end].encode("utf-8"))}

    found = [{"index": span(m.start(), m.end()),
              "features": [{"$type": "app.bsky.richtext.facet#link", "uri": m.group()}]}
             for m in URL_RE.finditer(text)]
    found += [{"index": span(m.start(), m.end()), "features": [{"$type": "app.bsky.richtext.facet#tag",
                                                                "tag": m.group(1)}]}
              for m in TAG_RE.finditer(text) if len(m.group(1)) <= 64]
    return sorted(found, key=lambda f: f["index"]["byteStart"])


def pack(refresh_jwt: str, identifier: str, password: str | None) -> str:
    """The stored refresh secret: the refresh JWT, and what re-creates a session when it expires."""
    if not password:
        return refresh_jwt
    payload = json.dumps({"jwt": refresh_jwt, "id": identifier, "pw": password}, separators=(",", ":"))
    return ENVELOPE + base64.urlsafe_b64encode(payload.encode()).decode()


def unpack(secret: str) -> tuple[str, str, str | None]:
    if not secret.startswith(ENVELOPE):
        return secret, "", None
    data = json.loads(base64.urlsafe_b64decode(secret[len(ENVELOPE):].encode()))
    return data["jwt"], data.get("id", ""), data.get("pw")


def jwt_claims(token: str) -> dict:
    """The JWT's payload, decoded without verifying (only the PDS can verify it)."""
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}


@register
class BlueskyProvider(SocialProvider):
    name = "bluesky"
    label = "Bluesky"
    connect_style = "app_password"
    settings = ("BLUESKY_ENABLED",)
    can_refresh = True
    # A fixed record key per share: a second create cannot make a second post.
    idempotent_publish = True
    metrics_batch = MAX_URIS

    @classmethod
    def is_configured(cls, config: dict[str, Any]) -> bool:
        return bool(config.get("BLUESKY_ENABLED"))

    def normalize_service_url(self, value: str) -> str:
        return normalize_service_url(value or self.config.get("BLUESKY_DEFAULT_SERVICE") or "https://bsky.social",
                                     config=self.config)

    # --- sessions ---------------------------------------------------------------------------
    def login(self, *, identifier: str, password: str, service_url: str = "") -> TokenSet:
        pds = self.normalize_service_url(service_url)
        identifier = identifier.strip().removeprefix("@")
        session = self._create_session(pds, identifier, password.strip())
        if jwt_claims(session["accessJwt"]).get("scope") == "com.atproto.access":
            raise ProviderError(ErrorKind.REJECTED, str(_l(
                "That is your account password. Create an app password in Bluesky's settings "
                "(Privacy and security → App passwords) and use it here.")))
        return self._tokens(session, pds, password.strip())

    def refresh(self, *, refresh_token: str, service_url: str = "") -> TokenSet:
        pds = self.normalize_service_url(service_url)
        refresh_jwt, identifier, password = unpack(refresh_token)
        try:
            session = self._xrpc("POST", pds, "com.atproto.server.refreshSession", token=refresh_jwt,
                                 idempotent=True)
        except ProviderError as exc:
            if getattr(exc, "code", None) not in SESSION_ERRORS and exc.kind is not ErrorKind.REAUTH:
                raise
            if not password:
                raise ProviderError(ErrorKind.REAUTH, exc.message, status=exc.status) from exc
            session = self._create_session(pds, identifier, password)
        return self._tokens(session, pds, password)

    def _create_session(self, pds: str, identifier: str, password: str) -> dict:
        try:
            return self._xrpc("POST", pds, "com.atproto.server.createSession", idempotent=True,
                              json={"identifier": identifier, "password": password})
        except ProviderError as exc:
            if getattr(exc, "code", None) == "AuthFactorTokenRequired":
                raise ProviderError(ErrorKind.REJECTED, str(_l(
                    "Bluesky asks for a sign-in code: use an app password instead of your account password.")),
                    status=exc.status) from exc
            raise

    def _tokens(self, session: dict, pds: str, password: str | None) -> TokenSet:
        if not session.get("accessJwt") or not session.get("did"):
            raise ProviderError(ErrorKind.RETRY, "the PDS answered without a session")
        exp = jwt_claims(session["accessJwt"]).get("exp")
        expires_at = datetime.fromtimestamp(exp, UTC).replace(tzinfo=None) if isinstance(exp, (int, float)) else None
        return TokenSet(access_token=session["accessJwt"],
                        refresh_token=pack(session.get("refreshJwt") or "", session["did"], password),
                        expires_at=expires_at,
                        extra={"did": session["did"], "handle": session.get("handle") or "", "service_url": pds,
                               "app_password": password})

    def profiles(self, *, tokens: TokenSet, service_url: str = "") -> list[Profile]:
        pds = self.normalize_service_url(service_url)
        did, handle = tokens.extra.get("did"), tokens.extra.get("handle")
        if not did:
            session = self._xrpc("GET", pds, "com.atproto.server.getSession", token=tokens.access_token,
                                 idempotent=True)
            did, handle = session["did"], session.get("handle") or ""
        did, handle = str(did), str(handle or "")
        profile: dict = {}
        try:  # the PDS proxies app.bsky.* to the app view; a profile name is nice, not needed
            profile = self._xrpc("GET", pds, "app.bsky.actor.getProfile", token=tokens.access_token,
                                 idempotent=True, params={"actor": did})
        except ProviderError:
            pass
        display_name = str(profile.get("displayName") or "")
        return [Profile(external_id=did, handle=f"@{handle}" if handle else did, display_name=display_name or handle,
                        profile_url=f"https://bsky.app/profile/{handle or did}", extra={"handle": handle},
                        followers=count(profile.get("followersCount")))]

    # --- publishing -------------------------------------------------------------------------
    def publish(self, *, account: AccountContext, request: PublishRequest) -> PublishResult:
        pds = account.service_url or self.normalize_service_url("")
        keyed = bool(request.idempotency_key)
        record: dict[str, Any] = {"$type": COLLECTION, "text": request.text,
                                  "createdAt": datetime.now(UTC).isoformat(timespec="milliseconds").replace(
                                      "+00:00", "Z")}
        if found := facets(request.text):
            record["facets"] = found
        if request.language:
            record["langs"] = [request.language]  # app.bsky.feed.post: up to 3 BCP-47 tags
        if request.link_url:
            record["embed"] = {"$type": "app.bsky.embed.external",
                               "external": {"uri": request.link_url, "title": request.title,
                                            "description": request.description}}
        create = {"repo": account.external_id, "collection": COLLECTION, "record": record}
        if keyed:  # without a key the PDS picks one, and a lost answer stays an unknown outcome
            create["rkey"] = rkey = record_key(request.idempotency_key)
        try:
            body, headers = self._xrpc_with_headers("POST", pds, "com.atproto.repo.createRecord",
                                                    token=account.access_token, idempotent=keyed, json=create)
        except ProviderError as exc:
            if getattr(exc, "code", None) == "ExpiredToken":
                # Nothing was written; the next attempt refreshes the session first.
                raise ProviderError(ErrorKind.RETRY, exc.message, status=exc.status) from exc
            if not keyed or exc.kind in (ErrorKind.RATE_LIMITED, ErrorKind.REAUTH, ErrorKind.CONFIG):
                raise
            return self._already_published(pds, account, rkey, request.text, exc)
        if not body.get("uri"):
            raise ProviderError(ErrorKind.UNKNOWN_OUTCOME, "the PDS answered without the record's URI")
        result = self._result(account, body["uri"])
        result.wait_until = spent_until(headers)  # the PDS's write limit (RateLimit-* headers)
        return result

    def _already_published(self, pds: str, account: AccountContext, rkey: str, text: str,
                           error: ProviderError) -> PublishResult:
        """After a failed create with our fixed key: is the record there (an earlier attempt made it)?"""
        try:
            existing = self._xrpc("GET", pds, "com.atproto.repo.getRecord", token=account.access_token,
                                  idempotent=True, params={"repo": account.external_id, "collection": COLLECTION,
                                                           "rkey": rkey})
        except ProviderError:
            raise error from None
        if (existing.get("value") or {}).get("text") != text:
            raise ProviderError(ErrorKind.REJECTED, "another post already uses this share's record key",
                                status=error.status)
        return self._result(account, existing.get("uri") or f"at://{account.external_id}/{COLLECTION}/{rkey}")

    def _result(self, account: AccountContext, uri: str) -> PublishResult:
        handle = (account.extra or {}).get("handle") or account.external_id
        rkey = uri.rsplit("/", 1)[-1]
        return PublishResult(external_id=uri, url=f"https://bsky.app/profile/{handle}/post/{rkey}")

    # --- engagement and potential reach -----------------------------------------------------
    @classmethod
    def reports_engagement(cls, *, scopes: tuple[str, ...]) -> bool:
        return True

    @classmethod
    def reports_followers(cls) -> bool:
        return True

    def metrics(self, *, account: AccountContext, external_ids: list[str]) -> MetricsResult:
        if not 0 < len(external_ids) <= MAX_URIS:
            raise ValueError(f"getPosts takes 1 to {MAX_URIS} URIs")
        pds = account.service_url or self.normalize_service_url("")
        body = self._xrpc("GET", pds, "app.bsky.feed.getPosts", token=account.access_token, idempotent=True,
                          params={"uris": external_ids})
        result = MetricsResult()
        for post in body.get("posts") or []:
            if isinstance(post, dict) and post.get("uri") in external_ids:
                result.found[post["uri"]] = Engagement(
                    likes=count(post.get("likeCount")), reposts=count(post.get("repostCount")),
                    replies=count(post.get("replyCount")), quotes=count(post.get("quoteCount")))
        for uri in external_ids:
            if uri not in result.found and self._record_gone(pds, account, uri):
                result.deleted.add(uri)
        return result

    def _record_gone(self, pds: str, account: AccountContext, uri: str) -> bool:
        """Does the PDS say the post's record no longer exists? (The app view may just lag behind.)"""
        repo, _, rest = uri.removeprefix("at://").partition("/")
        collection, _, rkey = rest.partition("/")
        try:
            self._xrpc("GET", pds, "com.atproto.repo.getRecord", token=account.access_token, idempotent=True,
                       params={"repo": repo, "collection": collection, "rkey": rkey})
        except ProviderError as exc:
            if exc.code == "RecordNotFound":
                return True
            if exc.kind in (ErrorKind.RATE_LIMITED, ErrorKind.REAUTH):
                raise
        return False

    def follower_count(self, *, account: AccountContext) -> int | None:
        pds = account.service_url or self.normalize_service_url("")
        profile = self._xrpc("GET", pds, "app.bsky.actor.getProfile", token=account.access_token, idempotent=True,
                             params={"actor": account.external_id})
        return count(profile.get("followersCount"))

    # --- XRPC ------------------------------------------------------------------------------------
    def _xrpc(self, method: str, pds: str, nsid: str, *, idempotent: bool, token: str | None = None,
              **kwargs) -> dict:
        """Call an XRPC method; errors carry the atproto error name in `.code` (ExpiredToken…)."""
        return self._xrpc_with_headers(method, pds, nsid, idempotent=idempotent, token=token, **kwargs)[0]

    def _xrpc_with_headers(self, method: str, pds: str, nsid: str, *, idempotent: bool, token: str | None = None,
                           **kwargs) -> tuple[dict, Mapping[str, str]]:
        """`_xrpc`, with the answer's headers."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = http_request(method, f"{pds}/xrpc/{nsid}", idempotent=idempotent, config=self.config,
                                session=member_hosts_session(self.config), headers=headers, **kwargs)
        error = classify(response, idempotent=idempotent)
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        if error is not None:
            error.code = body.get("error") if isinstance(body.get("error"), str) else None
            if error.code == "InvalidToken":
                error.kind = ErrorKind.REAUTH
            raise error
        return body, response.headers
