"""A Bluesky PDS's documented XRPC methods, strict about what it is sent.

createSession (app passwords give scope com.atproto.appPass, the account password
com.atproto.access), refreshSession (Bearer refreshJwt, rotated: the old one stops working),
getSession, createRecord (checks repo = the session's DID, the TID record key, the 300-grapheme
limit, that every facet's UTF-8 byte range really covers its link, that link facets and the
external embed carry a lexicon `uri` (absolute: "/s/…" answers 400 "Invalid uri", as the real PDS
does), that `langs` holds at most 3 BCP-47 tags, and that the record key is
new — an existing key answers 500 as PDSes before bluesky-social/atproto#4728 do, or a named
400 error with `duplicate_style="named"`), getRecord, app.bsky.actor.getProfile and
app.bsky.feed.getPosts (1 to 25 `uris`, each a valid at-uri; posts that do not exist are left out).
Errors are {"error": Name, "message": …}; rate-limit headers are
ratelimit-limit / -remaining / -reset (epoch seconds) / -policy.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time

import regex
from flask import jsonify, request

from .fake_network import FakeNetwork

AT_URI_RE = re.compile(r"^at://(did:[a-z]+:[a-zA-Z0-9._:%-]+|[a-zA-Z0-9.-]+)(/[a-zA-Z0-9.-]+(/[a-zA-Z0-9._~:-]+)?)?$")
TID_RE = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
# The lexicon's `uri` string format (@atproto/lexicon validators/formats.ts): a scheme, then no spaces.
LEXICON_URI_RE = re.compile(r"^\w+:(?://)?[^\s/][^\s]*$")
# A well-formed BCP-47 tag (language[-extlang][-script][-region][-variant…]), as the `language` format wants.
LANGUAGE_RE = re.compile(r"^(?:[a-zA-Z]{2,3}(?:-[a-zA-Z]{3}){0,3}|[a-zA-Z]{4,8})(?:-[a-zA-Z]{4})?"
                         r"(?:-(?:[a-zA-Z]{2}|[0-9]{3}))?(?:-(?:[a-zA-Z0-9]{5,8}|[0-9][a-zA-Z0-9]{3}))*$")


def invalid_uri(value, path: str):
    if isinstance(value, str) and LEXICON_URI_RE.match(value):
        return None
    return "InvalidRequest", f"Invalid uri (got {json.dumps(value)}) at {path}"


def make_jwt(claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'typ': 'at+jwt', 'alg': 'HS256'})}.{part(claims)}.{secrets.token_urlsafe(16)}"


class FakePDS(FakeNetwork):
    limited_endpoints = ("createSession", "createRecord")

    def __init__(self, *, access_ttl: float = 7200, refresh_ttl: float = 60 * 86400, expired_status: int = 400,
                 duplicate_style: str = "500", **kwargs):
        super().__init__(__name__, **kwargs)
        self.access_ttl, self.refresh_ttl = access_ttl, refresh_ttl
        self.expired_status = expired_status  # 400 (long-standing PDS behaviour) or 401
        self.duplicate_style = duplicate_style
        self.accounts = {"did:plc:alice123": {"handle": "alice.test", "email": "alice@example.test",
                                              "password": "main-password", "app_passwords": {"abcd-efgh-ijkl-mnop"},
                                              "displayName": "Alice Ç", "followersCount": 321}}
        self.access: dict[str, dict] = {}
        self.refresh: dict[str, dict] = {}
        self.records: dict[tuple[str, str, str], dict] = {}
        self._routes()

    # --- helpers tests use -----------------------------------------------------------------
    def session(self, did: str = "did:plc:alice123", *, scope: str = "com.atproto.appPass",
                access_ttl: float | None = None, refresh_ttl: float | None = None) -> dict:
        now = time.time()
        access = make_jwt({"scope": scope, "sub": did, "iat": int(now),
                           "exp": int(now + (self.access_ttl if access_ttl is None else access_ttl))})
        refresh = make_jwt({"scope": "com.atproto.refresh", "sub": did, "jti": secrets.token_hex(8),
                            "exp": int(now + (self.refresh_ttl if refresh_ttl is None else refresh_ttl))})
        claims = {"did": did, "exp": now + (self.access_ttl if access_ttl is None else access_ttl)}
        self.access[access] = {**claims, "scope": scope}
        self.refresh[refresh] = {"did": did, "exp": now + (self.refresh_ttl if refresh_ttl is None else refresh_ttl)}
        account = self.accounts[did]
        return {"did": did, "handle": account["handle"], "email": account["email"], "accessJwt": access,
                "refreshJwt": refresh, "active": True}

    def account_of_request(self):
        if request.endpoint == "createSession":
            return str((request.get_json(silent=True) or {}).get("identifier"))
        token = self.access.get(self._bearer())
        return token["did"] if token else None

    def rate_headers(self, *, limit, remaining, reset):
        return {"ratelimit-limit": str(limit), "ratelimit-remaining": str(remaining),
                "ratelimit-reset": str(int(reset)), "ratelimit-policy": f"{limit};w={int(self.rate_window)}"}

    def xrpc_error(self, status: int, name: str, message: str):
        return self.error(status, {"error": name, "message": message})

    def _bearer(self) -> str:
        header = request.headers.get("Authorization", "")
        return header[7:] if header.startswith("Bearer ") else ""

    def _authed(self, tokens: dict):
        """(did, None) for a valid token of that kind, else (None, error response)."""
        token = tokens.get(self._bearer())
        if token is None:
            return None, self.xrpc_error(401, "InvalidToken", "Token could not be verified")
        if token["exp"] <= time.time():
            return None, self.xrpc_error(self.expired_status, "ExpiredToken", "Token has expired")
        return token["did"], None

    def _find(self, identifier: str) -> str | None:
        for did, account in self.accounts.items():
            if identifier in (did, account["handle"], account["email"]):
                return did
        return None

    def _check_post(self, did: str, body: dict):
        if body.get("repo") not in (did, self.accounts[did]["handle"]):
            return "InvalidRequest", "repo does not match the session"
        if body.get("collection") != "app.bsky.feed.post":
            return "InvalidRequest", "unexpected collection"
        if "rkey" in body and not TID_RE.match(body["rkey"] or ""):
            return "InvalidRequest", "Invalid record key: must be a TID"
        record = body.get("record") or {}
        text = record.get("text")
        if record.get("$type") != "app.bsky.feed.post" or not isinstance(text, str) or not record.get("createdAt"):
            return "InvalidRequest", "Invalid app.bsky.feed.post record: Record must have text and createdAt"
        if len(regex.findall(r"\X", text)) > 300:
            return "InvalidRequest", "Invalid app.bsky.feed.post record: Record/text must not be longer than " \
                                     "300 graphemes"
        langs = record.get("langs")
        if langs is not None and not (isinstance(langs, list) and len(langs) <= 3 and all(
                isinstance(tag, str) and LANGUAGE_RE.match(tag) for tag in langs)):
            return "InvalidRequest", "Invalid app.bsky.feed.post record: Record/langs must be at most 3 " \
                                     "well-formed BCP 47 language tags"
        raw = text.encode("utf-8")
        for i, facet in enumerate(record.get("facets") or []):
            start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
            if not 0 <= start < end <= len(raw):
                return "InvalidRequest", "facet byte range outside the text"
            for j, feature in enumerate(facet["features"]):
                if feature["$type"].endswith("#link") and (
                        problem := invalid_uri(feature.get("uri"), f"$.record.facets[{i}].features[{j}].uri")):
                    return problem
                covered = raw[start:end].decode("utf-8", errors="replace")
                if feature["$type"].endswith("#link") and covered != feature["uri"]:
                    return "InvalidRequest", f"link facet covers {covered!r}, not {feature['uri']!r}"
                if feature["$type"].endswith("#tag") and covered.lstrip("#＃") != feature["tag"]:
                    return "InvalidRequest", f"tag facet covers {covered!r}"
        embed = record.get("embed")
        if embed is not None:
            external = embed.get("external") or {}
            if embed.get("$type") != "app.bsky.embed.external" or not all(
                    isinstance(external.get(k), str) for k in ("uri", "title", "description")):
                return "InvalidRequest", "Invalid app.bsky.embed.external: uri, title, description required"
            if problem := invalid_uri(external["uri"], "$.record.embed.external.uri"):
                return problem
        return None

    def _routes(self):
        app = self.app

        @app.post("/xrpc/com.atproto.server.createSession", endpoint="createSession")
        def create_session():
            body = request.get_json(silent=True) or {}
            did = self._find(str(body.get("identifier", "")))
            account = self.accounts.get(did) if did else None
            if account is None or body.get("password") not in account["app_passwords"] | {account["password"]}:
                return self.xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password")
            scope = "com.atproto.access" if body["password"] == account["password"] else "com.atproto.appPass"
            return jsonify(self.session(did, scope=scope))

        @app.post("/xrpc/com.atproto.server.refreshSession", endpoint="refreshSession")
        def refresh_session():
            did, error = self._authed(self.refresh)
            if error is not None:
                return error
            del self.refresh[self._bearer()]  # rotated: the old refresh token is spent
            return jsonify(self.session(did))

        @app.get("/xrpc/com.atproto.server.getSession", endpoint="getSession")
        def get_session():
            did, error = self._authed(self.access)
            if error is not None:
                return error
            return jsonify({"did": did, "handle": self.accounts[did]["handle"], "active": True})

        @app.post("/xrpc/com.atproto.repo.createRecord", endpoint="createRecord")
        def create_record():
            did, error = self._authed(self.access)
            if error is not None:
                return error
            body = request.get_json(silent=True) or {}
            problem = self._check_post(did, body)
            if problem:
                return self.xrpc_error(400, *problem)
            rkey = body.get("rkey") or secrets.choice("234567") + "".join(
                secrets.choice("234567abcdefghijklmnopqrstuvwxyz") for _ in range(12))
            key = (did, body["collection"], rkey)
            with self.lock:
                if key in self.records:
                    if self.duplicate_style == "named":
                        return self.xrpc_error(400, "RecordAlreadyExists", "Record already exists")
                    return self.xrpc_error(500, "InternalServerError", "Internal Server Error")
                uri = f"at://{did}/{body['collection']}/{rkey}"
                cid = "bafyrei" + hashlib.sha256(json.dumps(body["record"]).encode()).hexdigest()[:40]
                self.records[key] = {"uri": uri, "cid": cid, "value": body["record"], "likeCount": 0,
                                     "repostCount": 0, "replyCount": 0, "quoteCount": 0}
            return jsonify({"uri": uri, "cid": cid, "validationStatus": "valid"})

        @app.get("/xrpc/com.atproto.repo.getRecord", endpoint="getRecord")
        def get_record():
            args = request.args
            did = self._find(args.get("repo", "")) or ""
            record = self.records.get((did, args.get("collection", ""), args.get("rkey", "")))
            if record is None:
                return self.xrpc_error(400, "RecordNotFound", "Could not locate record")
            return jsonify({"uri": record["uri"], "cid": record["cid"], "value": record["value"]})

        @app.get("/xrpc/app.bsky.actor.getProfile", endpoint="getProfile")
        def get_profile():
            did = self._find(request.args.get("actor", ""))
            if did is None:
                return self.xrpc_error(400, "InvalidRequest", "Profile not found")
            account = self.accounts[did]
            return jsonify({"did": did, "handle": account["handle"], "displayName": account["displayName"],
                            "followersCount": account["followersCount"], "followsCount": 12, "postsCount": 40})

        @app.get("/xrpc/app.bsky.feed.getPosts", endpoint="getPosts")
        def get_posts():
            if self._bearer():
                _did, error = self._authed(self.access)
                if error is not None:
                    return error
            uris = request.args.getlist("uris")
            if not uris:
                return self.xrpc_error(400, "InvalidRequest", 'Error: Params must have the property "uris"')
            if len(uris) > 25:
                return self.xrpc_error(400, "InvalidRequest", "Error: uris must not have more than 25 elements")
            for i, uri in enumerate(uris):
                if not AT_URI_RE.match(uri):
                    return self.xrpc_error(400, "InvalidRequest", f"Error: uris/{i} must be a valid at-uri")
            posts = [{"uri": r["uri"], "cid": r["cid"], "likeCount": r["likeCount"], "repostCount": r["repostCount"],
                      "replyCount": r["replyCount"], "quoteCount": r["quoteCount"], "record": r["value"]}
                     for r in self.records.values() if r["uri"] in uris]
            return jsonify({"posts": posts})
