"""Facebook Login and the Pages part of the Graph API, as documented, strict about what it is sent.

GET /<version>/dialog/oauth (auto-approves as the one user), GET /<version>/oauth/access_token
(code → short-lived user token; grant_type=fb_exchange_token → long-lived), GET
/<version>/me/accounts (Pages with their Page tokens, cursor paging, only for a long-lived user
token's Pages are the tokens non-expiring), POST /<version>/<page-id>/feed (the Page's own token,
message and/or an absolute http(s) link, the same message twice → #506 duplicate), GET /<version>/<post-id> for
metrics (#100 subcode 33 once deleted) or a Page's followers_count/fan_count, GET /<version>/?ids=…&fields=…
(at most 50 ids; one unknown id fails the whole call with #803). `shares` is present only once shared.
Every token-carrying call must have a matching appsecret_proof. Errors have the Graph
shape {"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}.
"""
from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
from urllib.parse import urlencode, urlsplit

from flask import jsonify, redirect, request

from .fake_network import FakeNetwork

APP_ID, APP_SECRET = "fb-app-1", "fb-app-secret"


class FakeFacebook(FakeNetwork):
    limited_endpoints = ("feed",)

    def __init__(self, **kwargs):
        super().__init__(__name__, **kwargs)
        self.codes: dict[str, str] = {}
        self.user_tokens: dict[str, dict] = {}
        self.pages = [{"id": "101", "name": "Boulangerie Dupont", "link": "https://www.facebook.com/dupont",
                       "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"],
                       "followers_count": 540, "fan_count": 500},
                      {"id": "102", "name": "Club de lecture", "tasks": ["ANALYZE", "CREATE_CONTENT"]},
                      {"id": "103", "name": "Read-only Page", "tasks": ["ANALYZE"]}]
        self.page_tokens: dict[str, str] = {}  # token -> page id
        self.posts: list[dict] = []
        self._ids = itertools.count(9000)
        self._routes()

    def page_token(self, page_id: str = "101") -> str:
        token = "EAAP" + secrets.token_urlsafe(12)
        self.page_tokens[token] = page_id
        return token

    def account_of_request(self):
        return self.page_tokens.get(self._token() or "")

    def rate_headers(self, *, limit, remaining, reset):
        used = 100 if remaining <= 0 else int(100 * (limit - remaining) / limit)
        usage = {"101": [{"type": "pages", "call_count": used, "total_cputime": 1, "total_time": 1,
                          "estimated_time_to_regain_access": 7 if remaining <= 0 else 0}]}
        return {"X-Business-Use-Case-Usage": json.dumps(usage)}

    def graph_error(self, status: int, code: int, message: str, *, kind: str = "OAuthException",
                    subcode: int | None = None):
        body = {"message": message, "type": kind, "code": code, "fbtrace_id": secrets.token_hex(6)}
        if subcode:
            body["error_subcode"] = subcode
        return self.error(status, {"error": body})

    def rate_limited(self, headers):
        response = self.graph_error(400, 32, "(#32) Page request limit reached")
        response.headers.update(headers)
        return response

    def error(self, status, body, headers=None):
        if "error" in body and not isinstance(body["error"], dict):  # injected faults speak Graph too
            body = {"error": {"message": str(body.get("message") or body["error"]), "type": "OAuthException",
                              "code": body.get("code", 1)}}
        return super().error(status, body, headers)

    def _token(self) -> str | None:
        values = request.form if request.method == "POST" else request.args
        return values.get("access_token")

    def _check_proof(self):
        values = request.form if request.method == "POST" else request.args
        token = values.get("access_token", "")
        expected = hmac.new(APP_SECRET.encode(), token.encode(), hashlib.sha256).hexdigest()
        if values.get("appsecret_proof") != expected:
            return self.graph_error(400, 100, "Invalid appsecret_proof provided in the API argument",
                                    kind="GraphMethodException")
        return None

    def _routes(self):
        app = self.app

        @app.get("/<version>/dialog/oauth", endpoint="dialog")
        def dialog(version):
            args = request.args
            if args.get("client_id") != APP_ID or not args.get("redirect_uri"):
                return self.graph_error(400, 100, "Invalid App ID")
            code = secrets.token_urlsafe(12)
            self.codes[code] = args["redirect_uri"]
            return redirect(f"{args['redirect_uri']}?{urlencode({'code': code, 'state': args.get('state', '')})}")

        @app.get("/<version>/oauth/access_token", endpoint="access_token")
        def access_token(version):
            args = request.args
            if args.get("client_id") != APP_ID or args.get("client_secret") != APP_SECRET:
                return self.graph_error(400, 1, "Error validating client secret.")
            if args.get("grant_type") == "fb_exchange_token":
                short = self.user_tokens.get(args.get("fb_exchange_token", ""))
                if short is None:
                    return self.graph_error(400, 190, "Invalid OAuth access token.")
                token = "EAAL" + secrets.token_urlsafe(12)
                self.user_tokens[token] = {"long_lived": True}
                return jsonify({"access_token": token, "token_type": "bearer", "expires_in": 5183944})
            if self.codes.pop(args.get("code", ""), None) != args.get("redirect_uri"):
                return self.graph_error(400, 100, "This authorization code has been used.", subcode=36009)
            token = "EAAS" + secrets.token_urlsafe(12)
            self.user_tokens[token] = {"long_lived": False}
            return jsonify({"access_token": token, "token_type": "bearer", "expires_in": 5400})

        @app.get("/<version>/me/accounts", endpoint="accounts")
        def accounts(version):
            user = self.user_tokens.get(request.args.get("access_token", ""))
            if user is None:
                return self.graph_error(400, 190, "Invalid OAuth access token - Cannot parse access token")
            if (problem := self._check_proof()) is not None:
                return problem
            limit = int(request.args.get("limit", 25))
            start = int(request.args.get("after") or 0)
            chunk = self.pages[start:start + limit]
            fields = set(request.args.get("fields", "").split(","))
            data = [{**{k: v for k, v in page.items() if k not in ("followers_count", "fan_count") or k in fields},
                     "access_token": self.page_token(page["id"]), "category": "Local business"} for page in chunk]
            body = {"data": data, "paging": {"cursors": {"before": str(start), "after": str(start + len(chunk))}}}
            if start + limit < len(self.pages):
                body["paging"]["next"] = f"{request.base_url}?after={start + limit}&limit={limit}"
            return jsonify(body)

        @app.post("/<version>/<page_id>/feed", endpoint="feed")
        def feed(version, page_id):
            token = self._token()
            if token not in self.page_tokens:
                if token in self.user_tokens:
                    return self.graph_error(403, 200, "(#200) The user hasn't authorized the application "
                                                      "to perform this action", kind="OAuthException")
                return self.graph_error(400, 190, "Error validating access token: The session has been invalidated "
                                                  "because the user changed their password.", subcode=460)
            if (problem := self._check_proof()) is not None:
                return problem
            if self.page_tokens[token] != page_id:
                return self.graph_error(403, 200, "(#200) Requires pages_manage_posts on this Page")
            message, link = request.form.get("message"), request.form.get("link")
            if not message and not link:
                return self.graph_error(400, 100, "(#100) Missing message or attachment")
            if link and (urlsplit(link).scheme not in ("http", "https") or not urlsplit(link).hostname):
                return self.graph_error(400, 100, "(#100) Invalid parameter: 'link' is invalid (an absolute "
                                                  "http(s) URL is required)")
            if message and any(p["page"] == page_id and p["message"] == message for p in self.posts):
                return self.graph_error(400, 506, "(#506) Duplicate status message")
            post = {"id": f"{page_id}_{next(self._ids)}", "page": page_id, "message": message, "link": link,
                    "reactions": 0, "comments": 0, "shares": 0}
            with self.lock:
                self.posts.append(post)
            return jsonify({"id": post["id"]})

        @app.get("/<version>/", endpoint="batch")
        def batch(version):
            if (problem := self._check_read()) is not None:
                return problem
            ids = [i for i in request.args.get("ids", "").split(",") if i]
            if not ids or len(ids) > 50:
                return self.graph_error(400, 100, "(#100) The parameter ids is required and takes at most 50 ids")
            missing = [i for i in ids if self._post(i) is None]
            if missing:
                return self.graph_error(400, 803, f"(#803) Some of the aliases you requested do not exist: "
                                                  f"{','.join(missing)}")
            return jsonify({i: self._post_json(self._post(i)) for i in ids})

        @app.get("/<version>/<object_id>", endpoint="post")
        def post(version, object_id):
            if (problem := self._check_read()) is not None:
                return problem
            page = next((p for p in self.pages if p["id"] == object_id), None)
            if page is not None:
                fields = request.args.get("fields", "id,name").split(",")
                return jsonify({field: page[field] for field in fields if field in page})
            item = self._post(object_id)
            if item is None:
                return self.error(400, {"error": {
                    "message": f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be "
                               "loaded due to missing permissions, or does not support this operation.",
                    "type": "GraphMethodException", "code": 100, "error_subcode": 33,
                    "fbtrace_id": secrets.token_hex(6)}})
            return jsonify(self._post_json(item))

    def _post(self, post_id: str) -> dict | None:
        return next((item for item in self.posts if item["id"] == post_id), None)

    def _post_json(self, item: dict) -> dict:
        body = {"id": item["id"], "reactions": {"data": [], "summary": {"total_count": item["reactions"]}},
                "comments": {"data": [], "summary": {"total_count": item["comments"]}}}
        if item["shares"]:
            body["shares"] = {"count": item["shares"]}
        return body

    def _check_read(self):
        token = self._token()
        if token not in self.page_tokens and token not in self.user_tokens:
            return self.graph_error(400, 190, "Invalid OAuth access token - Cannot parse access token")
        return self._check_proof()
