"""Contract fake of LinkedIn's OAuth 2.0, OpenID userinfo and versioned Posts API.

Built from learn.microsoft.com/linkedin: "Authorization Code Flow", "Sign In with LinkedIn
using OpenID Connect", "Posts API", "little Text Format", "Rate Limits", "API versioning".
It checks what the adapter sends (client secret in the form, redirect URI, bearer token,
LinkedIn-Version and X-Restli-Protocol-Version headers, the post's JSON shape, escaped
commentary, an article `source` that is an absolute URL) and answers like LinkedIn does, errors included.

    fake = FakeLinkedIn(refresh_tokens=True)   # an approved partner app gets refresh tokens
    with fake.running(): ...                   # fake.base_url
    fake.fail("posts", status=426)             # faults, delay, rate limits: fake_network.py
"""
from __future__ import annotations

import itertools
import threading
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import jsonify, redirect, request

from .fake_network import FakeNetwork
from .grants import Grants

PERSON = "urn:li:person:"
RESERVED = set("\\|{}@[]()<>#*_~")
THROTTLED = "Resource level throttle limit for calls to this resource is reached."
DISTRIBUTION = {"feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []}


def api_error(status: int, message: str, **extra):
    """LinkedIn's REST error shape."""
    return jsonify({"status": status, "message": message, **extra}), status


def oauth_error(status: int, error: str, description: str):
    return jsonify({"error": error, "error_description": description}), status


def render_little(text: str) -> str:
    """What LinkedIn shows for a little-text commentary; ValueError where LinkedIn would cut it."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif text.startswith("{hashtag|", i):
            end = text.find("}", i)
            parts = text[i + 1:end].split("|") if end > 0 else []
            if len(parts) != 3 or parts[1] not in ("#", "\\#", "＃") or not parts[2].isalnum():
                raise ValueError(f"malformed hashtag template at offset {i}")
            out.append("#" + parts[2])
            i = end + 1
        elif ch in RESERVED:
            raise ValueError(f"unescaped reserved character {ch!r} at offset {i}: LinkedIn cuts the post here")
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class FakeLinkedIn(FakeNetwork):
    limited_endpoints = ("posts",)

    def __init__(self, *, client_id: str = "li-client", client_secret: str = "li-secret",
                 refresh_tokens: bool = False, active_versions: tuple[str, ...] = ("202510", "202601", "202610"),
                 delay: float = 0.0, rate_limit: int | None = None, rate_window: float = 86400.0):
        super().__init__(__name__, delay=delay, rate_limit=rate_limit, rate_window=rate_window)
        self.client_id = client_id
        self.client_secret = client_secret
        self.active_versions = set(active_versions)
        self.members = {"yfUG2QzCkZ": {"sub": "yfUG2QzCkZ", "name": "Lieve Peeters", "given_name": "Lieve",
                                       "family_name": "Peeters", "picture": "https://media.licdn.com/p.jpg",
                                       "locale": {"country": "BE", "language": "nl"}}}
        self.consenting_member = "yfUG2QzCkZ"
        # Member tokens: 60 days; refresh tokens (partners only): 365 days, not rotated.
        self.grants = Grants(access_ttl=5_184_000, issue_refresh=refresh_tokens, rotate_refresh=False,
                             refresh_ttl=31_536_000, scope_separator=",")
        self.posts: list[dict[str, Any]] = []
        # {(author, commentary): urn} of the posts, for the duplicate rule in one lookup (not a scan of every post)
        self._urns: dict[tuple[str, str], str] = {}
        self._ids = itertools.count(7300000000000000001)
        self._lock = threading.Lock()
        self.app.add_url_rule("/oauth/v2/authorization", "authorize", self.authorize)
        self.app.add_url_rule("/oauth/v2/accessToken", "token", self.token, methods=["POST"])
        self.app.add_url_rule("/v2/userinfo", "userinfo", self.userinfo)
        self.app.add_url_rule("/rest/posts", "posts", self.create_post, methods=["POST"])

    def account(self, sub: str | None = None) -> dict[str, Any]:
        """Tokens for a (new) member without the browser dance."""
        sub = sub or self.consenting_member
        self.members.setdefault(sub, {"sub": sub, "name": f"Member {sub}"})
        return self.grants.seed(subject=sub, scopes=["openid", "profile", "w_member_social"])

    # --- FakeNetwork hooks: whose limit, LinkedIn's (header-less) throttle answer -------

    def account_of_request(self) -> str | None:
        grant = self.grants.bearer()
        return grant["subject"] if grant else None

    def error(self, status: int, body: dict, headers: dict | None = None):
        if status == 429 and "status" not in body:  # LinkedIn sends no rate-limit headers
            body, headers = {"status": 429, "message": THROTTLED}, {}
        return super().error(status, body, headers)

    # --- OAuth -------------------------------------------------------------------------

    def authorize(self):
        args = request.args
        missing = [k for k in ("response_type", "client_id", "redirect_uri", "state", "scope") if not args.get(k)]
        if missing or args["response_type"] != "code" or args["client_id"] != self.client_id:
            return f"bad authorization request (missing: {', '.join(missing) or '-'})", 400
        scopes = args["scope"].split(" ")
        code = self.grants.new_code(redirect_uri=args["redirect_uri"], scopes=scopes, subject=self.consenting_member)
        return redirect(f"{args['redirect_uri']}?{urlencode({'code': code, 'state': args['state']})}")

    def token(self):
        form = request.form
        if request.mimetype != "application/x-www-form-urlencoded":
            return oauth_error(400, "invalid_request", "body must be application/x-www-form-urlencoded")
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return oauth_error(401, "invalid_client", "Client authentication failed")
        if form.get("grant_type") == "authorization_code":
            grant = self.grants.redeem_code(form.get("code", ""))
            if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
                return oauth_error(400, "invalid_request", "Unable to retrieve access token: appid/redirect uri/code "
                                   "verifier does not match authorization code. Or authorization code expired.")
            return jsonify(self.grants.issue(subject=grant["subject"], scopes=grant["scopes"]))
        if form.get("grant_type") == "refresh_token":
            token = form.get("refresh_token", "")
            grant = self.grants.use_refresh(token)
            if grant is None:
                return oauth_error(400, "invalid_request",
                                   "The provided authorization grant or refresh token is invalid, expired or revoked.")
            return jsonify(self.grants.issue(subject=grant["subject"], scopes=grant["scopes"], refresh_token=token))
        return oauth_error(400, "unsupported_grant_type", "grant_type not supported")

    # --- API ---------------------------------------------------------------------------

    def userinfo(self):
        grant = self.grants.bearer()
        if grant is None:
            return api_error(401, "Invalid access token", serviceErrorCode=65600, code="INVALID_ACCESS_TOKEN")
        if not {"openid", "profile"} <= set(grant["scopes"]):
            return api_error(403, "Not enough permissions to access: userinfo.GET.NO_VERSION", code="ACCESS_DENIED")
        return jsonify(self.members[grant["subject"]])

    def create_post(self):
        grant = self.grants.bearer()
        if grant is None:
            return api_error(401, "Invalid access token", serviceErrorCode=65600, code="INVALID_ACCESS_TOKEN")
        version = request.headers.get("LinkedIn-Version")
        if not version:
            return api_error(400, "A version must be present. Please specify a version by adding the "
                             "LinkedIn-Version header.", code="VERSION_MISSING")
        if version not in self.active_versions:
            return api_error(426, f"Requested version {version} is not active", code="NONEXISTENT_VERSION")
        if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
            return api_error(400, "X-Restli-Protocol-Version: 2.0.0 is required")
        if "w_member_social" not in grant["scopes"]:
            return api_error(403, "Not enough permissions to access: partnerApiPostsExternal.CREATE.20251001",
                             code="ACCESS_DENIED")
        body = request.get_json(silent=True) if request.is_json else None
        problem = self._check_post(body, grant["subject"])
        if problem:
            return api_error(*problem)
        with self._lock:
            if (body["author"], body["commentary"]) in self._urns:
                return api_error(422, f"Content is a duplicate of {self._urns[body['author'], body['commentary']]}",
                                 code="DUPLICATE_POST")
            urn = f"urn:li:share:{next(self._ids)}"
            self._urns[body["author"], body["commentary"]] = urn
            self.posts.append({**body, "urn": urn, "rendered": render_little(body["commentary"]),
                               "version": version, "created": time.time()})
        return "", 201, {"x-restli-id": urn, "x-linkedin-id": urn}

    def _check_post(self, body: Any, subject: str) -> tuple[int, str] | None:
        if not isinstance(body, dict):
            return 400, "the body must be a JSON object"
        if body.get("author") != PERSON + subject:
            return 403, f"ERROR :: /author :: {body.get('author')} is not the token's member"
        expected = {"visibility": "PUBLIC", "distribution": DISTRIBUTION, "lifecycleState": "PUBLISHED"}
        for key, value in expected.items():
            if body.get(key) != value:
                return 422, f"ERROR :: /{key} :: expected {value!r}, got {body.get(key)!r}"
        if not isinstance(body.get("isReshareDisabledByAuthor"), bool):
            return 422, "ERROR :: /isReshareDisabledByAuthor :: must be a boolean"
        if not isinstance(body.get("commentary"), str):
            return 422, "ERROR :: /commentary :: must be a string"
        try:
            render_little(body["commentary"])
        except ValueError as exc:
            return 422, f"ERROR :: /commentary :: {exc}"
        article = (body.get("content") or {}).get("article")
        if article is not None:
            source = urlsplit(str(article.get("source", "")))
            if source.scheme not in ("http", "https") or not source.hostname:
                return 422, "ERROR :: /content/article/source :: must be an absolute http(s) URL"
            if not isinstance(article.get("title"), str) or not article["title"]:
                return 422, "ERROR :: /content/article/title :: is required"
        return None
