"""A Mastodon instance's documented API, small enough to read, strict about what it is sent.

POST /api/v1/apps, GET /oauth/authorize (auto-approves as `login_as`), POST /oauth/token
(checks client credentials, the exact redirect URI and the PKCE S256 verifier), GET
/api/v1/accounts/verify_credentials, POST /api/v1/statuses (500-character limit, scopes,
Idempotency-Key), GET /api/v1/statuses/<id> (404 once deleted), GET /api/v1/statuses?id[]=… (Mastodon 4.3+:
at most 20 ids, else 422; statuses that do not exist are left out; `version="4.2"` answers 404 as an
instance without that route does). Rate-limit headers X-RateLimit-* with an ISO 8601 reset.

Idempotency-Key as Mastodon's PostStatusService has it: a repeat with a key the instance holds
returns the first status (for an hour), but the key is stored only once the status is created and
the request got that far. An injected fault after processing (`fail("statuses", after=True, …)`)
strikes between the two: the status exists, then the request fails (`status`, e.g. 500 or 503)
without storing the key, or is slow (`delay`, past the client's read timeout) and stores it only
at the end. A retry with the same key before the key is stored (after such a 500, or while the
slow request still runs) creates a second status, as on Mastodon.
"""
from __future__ import annotations

import base64
import hashlib
import itertools
import secrets
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import g, jsonify, redirect, request

from .fake_network import FakeNetwork

STATUS_LIMIT = 500


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class FakeMastodon(FakeNetwork):
    limited_endpoints = ("statuses",)

    def __init__(self, *, version: str = "4.3", **kwargs):
        super().__init__(__name__, **kwargs)
        self.version = tuple(int(part) for part in version.split("."))
        self.apps: dict[str, dict] = {}
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.accounts = {"1": {"id": "1", "username": "alice", "display_name": "Alice Example",
                               "followers_count": 87}}
        self.login_as = "1"
        self.statuses: list[dict] = []
        self.keys: dict[tuple[str, str], dict] = {}
        self._ids = itertools.count(1000)
        self._routes()

    def add_token(self, account_id: str = "1", scopes: str = "write:statuses write:media read:accounts") -> str:
        token = secrets.token_urlsafe(16)
        self.tokens[token] = {"account": account_id, "scopes": set(scopes.split())}
        return token

    def account_of_request(self):
        token = self._token()
        return token["account"] if token else None

    def rate_headers(self, *, limit, remaining, reset):
        when = datetime.fromtimestamp(reset, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining), "X-RateLimit-Reset": when}

    def _take(self, *, after: bool):
        if after and g.get("statuses_fault_done"):  # statuses() applied it before storing the key
            return None
        return super()._take(after=after)

    def _token(self) -> dict | None:
        header = request.headers.get("Authorization", "")
        return self.tokens.get(header[7:]) if header.startswith("Bearer ") else None

    def _account_json(self, account: dict) -> dict:
        return {**account, "acct": account["username"], "url": f"{request.host_url}@{account['username']}"}

    def _routes(self):
        app = self.app

        @app.post("/api/v1/apps", endpoint="apps")
        def apps():
            data = request.get_json(silent=True) or request.form
            uris = data.get("redirect_uris") or ""
            uris = uris.split() if isinstance(uris, str) else list(uris)
            if not data.get("client_name") or not uris:
                return self.error(422, {"error": "Validation failed: Name can't be blank, Redirect URI can't be blank"})
            client_id, secret = secrets.token_urlsafe(12), secrets.token_urlsafe(24)
            scopes = (data.get("scopes") or "read").split()
            self.apps[client_id] = {"secret": secret, "redirect_uris": uris, "scopes": set(scopes),
                                    "name": data["client_name"], "website": data.get("website")}
            return jsonify({"id": str(len(self.apps)), "name": data["client_name"], "website": data.get("website"),
                            "scopes": scopes, "redirect_uri": "\n".join(uris), "redirect_uris": uris,
                            "client_id": client_id, "client_secret": secret})

        @app.get("/oauth/authorize", endpoint="authorize")
        def authorize():
            args = request.args
            client = self.apps.get(args.get("client_id", ""))
            if args.get("response_type") != "code" or client is None:
                return self.error(400, {"error": "invalid_client"})
            if args.get("redirect_uri") not in client["redirect_uris"]:
                return self.error(400, {"error": "invalid_redirect_uri"})
            scopes = set((args.get("scope") or "read").split())
            if not scopes <= client["scopes"]:
                return self.error(400, {"error": "invalid_scope"})
            if args.get("code_challenge") and args.get("code_challenge_method") != "S256":
                return self.error(400, {"error": "invalid_request", "error_description": "only S256"})
            code = secrets.token_urlsafe(12)
            self.codes[code] = {"client_id": args["client_id"], "redirect_uri": args["redirect_uri"],
                                "challenge": args.get("code_challenge"), "scopes": scopes, "account": self.login_as}
            return redirect(f"{args['redirect_uri']}?{urlencode({'code': code, 'state': args.get('state', '')})}")

        @app.post("/oauth/token", endpoint="token")
        def token():
            form = request.form
            client = self.apps.get(form.get("client_id", ""))
            if client is None or client["secret"] != form.get("client_secret"):
                return self.error(401, {"error": "invalid_client",
                                        "error_description": "Client authentication failed"})
            grant = self.codes.pop(form.get("code", ""), None)
            if (form.get("grant_type") != "authorization_code" or grant is None
                    or grant["client_id"] != form["client_id"] or grant["redirect_uri"] != form.get("redirect_uri")):
                return self.error(400, {"error": "invalid_grant", "error_description": "The provided authorization "
                                        "grant is invalid, expired, revoked, does not match the redirection URI "
                                        "used in the authorization request, or was issued to another client."})
            if grant["challenge"] and s256(form.get("code_verifier", "")) != grant["challenge"]:
                return self.error(400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
            access = self.add_token(grant["account"], " ".join(grant["scopes"]))
            return jsonify({"access_token": access, "token_type": "Bearer", "scope": " ".join(sorted(grant["scopes"])),
                            "created_at": int(datetime.now(UTC).timestamp())})

        @app.get("/api/v1/accounts/verify_credentials", endpoint="verify_credentials")
        def verify_credentials():
            token = self._token()
            if token is None:
                return self.error(401, {"error": "The access token is invalid"})
            return jsonify(self._account_json(self.accounts[token["account"]]))

        @app.post("/api/v1/statuses", endpoint="statuses")
        def statuses():
            token = self._token()
            if token is None:
                return self.error(401, {"error": "The access token is invalid"})
            if "write:statuses" not in token["scopes"] and "write" not in token["scopes"]:
                return self.error(403, {"error": "This action is outside the authorized scopes"})
            key = request.headers.get("Idempotency-Key")
            if key and (token["account"], key) in self.keys:
                return jsonify(self.keys[(token["account"], key)])
            data = request.get_json(silent=True) or request.form
            text = data.get("status") or ""
            if not text.strip():
                return self.error(422, {"error": "Validation failed: Text can't be blank"})
            if len(text) > STATUS_LIMIT:
                return self.error(422, {"error": f"Validation failed: Text character limit of {STATUS_LIMIT} exceeded"})
            account = self.accounts[token["account"]]
            status_id = str(next(self._ids))
            status = {"id": status_id, "url": f"{request.host_url}@{account['username']}/{status_id}",
                      "content": text, "text": text, "visibility": data.get("visibility") or "public",
                      "language": data.get("language"), "favourites_count": 0, "reblogs_count": 0,
                      "replies_count": 0, "account": self._account_json(account), "idempotency_key": key}
            with self.lock:
                self.statuses.append(status)
            fault = self._take(after=True)  # created; the key is not stored yet
            g.statuses_fault_done = True
            if fault is not None:
                time.sleep(fault.delay)
                if fault.status is not None:
                    return self.error(fault.status, fault.body or {"error": "injected"}, fault.headers)
            if key:
                with self.lock:
                    self.keys[(token["account"], key)] = status
            return jsonify(status)

        @app.get("/api/v1/statuses", endpoint="statuses_index")
        def statuses_index():
            if self.version < (4, 3):
                return self.error(404, {"error": "Record not found"})
            if request.headers.get("Authorization") and self._token() is None:
                return self.error(401, {"error": "The access token is invalid"})
            ids = list(dict.fromkeys(request.args.getlist("id[]")))
            if len(ids) > 20:
                return self.error(422, {"error": "Validation failed"})
            return jsonify([item for item in self.statuses if item["id"] in ids])

        @app.get("/api/v1/statuses/<status_id>", endpoint="status")
        def status(status_id):
            if request.headers.get("Authorization") and self._token() is None:
                return self.error(401, {"error": "The access token is invalid"})
            for item in self.statuses:
                if item["id"] == status_id:
                    return jsonify(item)
            return self.error(404, {"error": "Record not found"})
