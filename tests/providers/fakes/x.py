"""Contract fake of X's OAuth 2.0 (authorization code + PKCE) and API v2 (users/me, tweets).

Built from docs.x.com: "OAuth 2.0 Authorization Code Flow with PKCE", "POST /2/tweets",
"GET /2/tweets" (lookup by ids: 1 to 100 numeric ids, `tweet.fields=public_metrics`, a missing or
deleted post reported in `errors` as resource-not-found), "GET /2/users/me" (`user.fields=public_metrics`),
"Rate limits". It checks what the adapter sends (PKCE S256, redirect URI,
client authentication, bearer token, JSON body) and answers like X does, errors included.

    fake = FakeX(client_secret="s3cret")     # confidential client: Basic auth required
    with fake.running(): ...                 # fake.base_url
    fake.fail("tweets", status=500, after=True)   # faults, delay, rate limits: fake_network.py
"""
from __future__ import annotations

import base64
import itertools
import re
import threading
from typing import Any
from urllib.parse import urlencode

from flask import jsonify, redirect, request

from .fake_network import FakeNetwork
from .grants import Grants, s256

DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
_URL = re.compile(r"https?://\S+")
_ID = re.compile(r"^[0-9]{1,19}$")
TWEET_FIELDS = {"attachments", "author_id", "conversation_id", "created_at", "edit_history_tweet_ids", "entities",
                "id", "lang", "public_metrics", "possibly_sensitive", "referenced_tweets", "text", "withheld"}
NOT_FOUND = "https://api.twitter.com/2/problems/resource-not-found"


def problem(status: int, title: str, detail: str, **extra):
    """X API v2's error shape (RFC 7807 problem details)."""
    return jsonify({"title": title, "detail": detail, "type": "about:blank", "status": status, **extra}), status


def oauth_error(status: int, error: str, description: str):
    return jsonify({"error": error, "error_description": description}), status


def weighted_length(text: str) -> int:
    """X counts every URL as 23 characters (t.co wrapping)."""
    return len(_URL.sub("x" * 23, text))


class FakeX(FakeNetwork):
    limited_endpoints = ("tweets", "lookup")

    def __init__(self, *, client_id: str = "x-client", client_secret: str | None = None,
                 delay: float = 0.0, rate_limit: int | None = None, rate_window: float = 900.0,
                 access_ttl: int = 7200):
        super().__init__(__name__, delay=delay, rate_limit=rate_limit, rate_window=rate_window)
        self.client_id = client_id
        self.client_secret = client_secret
        self.users = {"2244994945": {"id": "2244994945", "username": "ambassador_ann", "name": "Ann Ambassador",
                                     "followers": 1234}}
        self.consenting_user = "2244994945"  # who clicks "Authorize app" on the consent page
        self.grants = Grants(access_ttl=access_ttl, issue_refresh=True, rotate_refresh=True)
        self.tweets: list[dict[str, Any]] = []
        # (author, text) of the posts that exist, for X's duplicate-content rule in one lookup, not a scan of every
        # post (which made the fake's CPU grow with the posts it holds: the publishing bench runs on the same cores)
        self._texts: set[tuple[str, str]] = set()
        self._ids = itertools.count(1790000000000000001)
        self._lock = threading.Lock()
        self.app.add_url_rule("/i/oauth2/authorize", "authorize", self.authorize)
        self.app.add_url_rule("/2/oauth2/token", "token", self.token, methods=["POST"])
        self.app.add_url_rule("/2/users/me", "me", self.me)
        self.app.add_url_rule("/2/tweets", "tweets", self.create_tweet, methods=["POST"])
        self.app.add_url_rule("/2/tweets", "lookup", self.lookup, methods=["GET"])

    def account(self, user_id: str | None = None, username: str | None = None) -> dict[str, Any]:
        """Tokens for a (new) user without the browser dance."""
        user_id = user_id or self.consenting_user
        if user_id not in self.users:
            self.users[user_id] = {"id": user_id, "username": username or f"user{user_id}", "name": f"User {user_id}",
                                   "followers": 0}
        return self.grants.seed(subject=user_id, scopes=["tweet.read", "tweet.write", "users.read", "offline.access"])

    # --- FakeNetwork hooks: whose limit, X's headers and error shape --------------------

    def account_of_request(self) -> str | None:
        grant = self.grants.bearer()
        return grant["subject"] if grant else None

    def rate_headers(self, *, limit: int, remaining: int, reset: float) -> dict:
        return {"x-rate-limit-limit": str(limit), "x-rate-limit-remaining": str(remaining),
                "x-rate-limit-reset": str(int(reset))}

    def error(self, status: int, body: dict, headers: dict | None = None):
        if status == 429 and "title" not in body:
            body = {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}
        return super().error(status, body, headers)

    # --- the API -------------------------------------------------------------------------

    def authorize(self):
        args = request.args
        missing = [k for k in ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
                               "code_challenge_method") if not args.get(k)]
        if missing:
            return f"missing {', '.join(missing)}", 400
        if args["response_type"] != "code" or args["client_id"] != self.client_id:
            return "wrong response_type or client_id", 400
        if args["code_challenge_method"] != "S256":
            return "code_challenge_method must be S256", 400
        scopes = args["scope"].split(" ")
        code = self.grants.new_code(client_id=args["client_id"], redirect_uri=args["redirect_uri"], scopes=scopes,
                                    challenge=args["code_challenge"], subject=self.consenting_user)
        return redirect(f"{args['redirect_uri']}?{urlencode({'state': args['state'], 'code': code})}")

    def _client_ok(self) -> bool:
        """Confidential clients: HTTP Basic id:secret. Public clients: client_id in the form, no secret."""
        header = request.headers.get("Authorization", "")
        if self.client_secret is None:
            return not header and request.form.get("client_id") == self.client_id
        if not header.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(header[6:]).decode()
        except ValueError:
            return False
        return decoded == f"{self.client_id}:{self.client_secret}"

    def token(self):
        form = request.form
        if request.mimetype != "application/x-www-form-urlencoded":
            return oauth_error(400, "invalid_request", "body must be application/x-www-form-urlencoded")
        if not self._client_ok():
            return oauth_error(401, "unauthorized_client", "Missing valid authorization header")
        if form.get("grant_type") == "authorization_code":
            grant = self.grants.redeem_code(form.get("code", ""))
            if (grant is None or grant["redirect_uri"] != form.get("redirect_uri")
                    or s256(form.get("code_verifier", "")) != grant["challenge"]):
                return oauth_error(400, "invalid_request", "Value passed for the authorization code was invalid.")
            return jsonify(self.grants.issue(subject=grant["subject"], scopes=grant["scopes"]))
        if form.get("grant_type") == "refresh_token":
            grant = self.grants.use_refresh(form.get("refresh_token", ""))
            if grant is None:
                return oauth_error(400, "invalid_request", "Value passed for the token was invalid.")
            return jsonify(self.grants.issue(subject=grant["subject"], scopes=grant["scopes"]))
        return oauth_error(400, "unsupported_grant_type", "grant_type not supported")

    def me(self):
        grant = self.grants.bearer()
        if grant is None:
            return problem(401, "Unauthorized", "Unauthorized")
        if "users.read" not in grant["scopes"]:
            return problem(403, "Forbidden", "Missing scope users.read")
        user = self.users[grant["subject"]]
        data = {key: user[key] for key in ("id", "username", "name")}
        fields = set(filter(None, request.args.get("user.fields", "").split(",")))
        if "public_metrics" in fields:
            data["public_metrics"] = {"followers_count": user["followers"], "following_count": 10, "tweet_count": 5,
                                      "listed_count": 0, "like_count": 3}
        return jsonify({"data": data})

    def delete(self, tweet_id: str) -> None:
        """The author deleted the post on X."""
        self.tweets = [tweet for tweet in self.tweets if tweet["id"] != tweet_id]
        self._texts = {(tweet["author_id"], tweet["text"]) for tweet in self.tweets}

    def lookup(self):
        """GET /2/tweets?ids=…: the posts that exist, and a resource-not-found error for each one that does not."""
        grant = self.grants.bearer()
        if grant is None:
            return problem(401, "Unauthorized", "Unauthorized")
        if "tweet.read" not in grant["scopes"] or "users.read" not in grant["scopes"]:
            return problem(403, "Forbidden", "You are not permitted to perform this action.")
        raw = request.args.get("ids")
        ids = raw.split(",") if raw else []
        fields = request.args.get("tweet.fields", "").split(",") if request.args.get("tweet.fields") else []
        invalid = [f"The `ids` query parameter value [{i}] is not valid" for i in ids if not _ID.match(i)]
        if not ids:
            invalid.append("The `ids` query parameter can not be empty")
        elif len(ids) > 100:
            invalid.append(f"The number of values in the `ids` query parameter list [{len(ids)}] is not between 1 "
                           "and 100")
        invalid += [f"The `tweet.fields` query parameter value [{f}] is not one of {sorted(TWEET_FIELDS)}"
                    for f in fields if f not in TWEET_FIELDS]
        if invalid:
            return problem(400, "Invalid Request", "One or more parameters to your request was invalid.",
                           errors=[{"parameters": {"ids": ids}, "message": message} for message in invalid])
        by_id = {tweet["id"]: tweet for tweet in self.tweets}
        data, errors = [], []
        for tweet_id in dict.fromkeys(ids):
            tweet = by_id.get(tweet_id)
            if tweet is None:
                errors.append({"value": tweet_id, "detail": f"Could not find tweet with ids: [{tweet_id}].",
                               "title": "Not Found Error", "resource_type": "tweet", "parameter": "ids",
                               "resource_id": tweet_id, "type": NOT_FOUND})
                continue
            item = {"id": tweet["id"], "text": tweet["text"], "edit_history_tweet_ids": [tweet["id"]]}
            if "public_metrics" in fields:
                item["public_metrics"] = {"retweet_count": tweet["retweets"], "reply_count": tweet["replies"],
                                          "like_count": tweet["likes"], "quote_count": tweet["quotes"],
                                          "bookmark_count": 0, "impression_count": tweet["impressions"]}
            data.append(item)
        body: dict[str, Any] = {"data": data} if data else {}
        if errors:
            body["errors"] = errors
        return jsonify(body)

    def create_tweet(self):
        grant = self.grants.bearer()
        if grant is None:
            return problem(401, "Unauthorized", "Unauthorized")
        if "tweet.write" not in grant["scopes"]:
            return problem(403, "Forbidden", "You are not permitted to perform this action.")
        body = request.get_json(silent=True) if request.is_json else None
        if not isinstance(body, dict) or not isinstance(body.get("text"), str) or not body["text"].strip():
            return problem(400, "Invalid Request", "One or more parameters to your request was invalid.",
                           errors=[{"message": "$.text must be a non-empty string"}])
        if weighted_length(body["text"]) > 280:
            return problem(400, "Invalid Request", "One or more parameters to your request was invalid.",
                           errors=[{"message": "Your Tweet text is too long."}])
        user = grant["subject"]
        with self._lock:
            if (user, body["text"]) in self._texts:
                return problem(403, "Forbidden", DUPLICATE)
            self._texts.add((user, body["text"]))
            tweet = {"id": str(next(self._ids)), "text": body["text"], "author_id": user, "likes": 0, "retweets": 0,
                     "replies": 0, "quotes": 0, "impressions": 0}
            self.tweets.append(tweet)
        answer = {"data": {"id": tweet["id"], "text": tweet["text"], "edit_history_tweet_ids": [tweet["id"]]}}
        return jsonify(answer), 201
