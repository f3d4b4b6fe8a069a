"""providers/http.py: every failure sorted into the kind the publishing pipeline acts on."""
from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
from flask import Flask, jsonify, request

from ambassador.providers import http
from ambassador.providers.base import ErrorKind, ProviderError

from .fakes.server import serve

NOW = datetime(2025, 3, 1, 12, 0, 0)


def refused_url() -> str:
    """A loopback URL where nothing listens: connecting is refused, so nothing was sent."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def answer(status: int, body=None, headers=None, text: str | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers or {})
    if text is not None:
        response._content = text.encode()
    else:
        response._content = b"" if body is None else requests.compat.json.dumps(body).encode()
    return response


# --- when may we call again ------------------------------------------------------------------

@pytest.mark.parametrize(("headers", "expected"), [
    ({"Retry-After": "120"}, NOW + timedelta(seconds=120)),
    ({"Retry-After": "Sat, 01 Mar 2025 12:30:00 GMT"}, datetime(2025, 3, 1, 12, 30)),
    ({"x-rate-limit-reset": str(int(datetime(2025, 3, 1, 12, 15, tzinfo=UTC).timestamp()))},
     datetime(2025, 3, 1, 12, 15)),
    ({"X-RateLimit-Reset": "2025-03-01T12:05:00.000Z"}, datetime(2025, 3, 1, 12, 5)),  # Mastodon
    ({"RateLimit-Reset": "30"}, NOW + timedelta(seconds=30)),  # IETF draft: delta seconds
    ({}, None),
    # Garbage or an epoch in milliseconds gives no time (and must not crash the classification).
    ({"x-rate-limit-reset": "1740830400000000"}, None),
    ({"x-rate-limit-reset": "soon"}, None),
    ({"Retry-After": "inf"}, None),
])
def test_retry_at_from_headers(headers, expected):
    assert http.retry_at_from_headers(requests.structures.CaseInsensitiveDict(headers), now=NOW) == expected


@pytest.mark.parametrize(("headers", "expected"), [
    # X: the last call of the window went through; the next one would be a 429 until the reset.
    # (Epoch seconds are cut to the second: a second more, or the call may come before the real reset.)
    ({"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int((NOW + timedelta(minutes=9)).replace(
        tzinfo=UTC).timestamp()))}, NOW + timedelta(minutes=9, seconds=1)),
    ({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2025-03-01T12:05:00.000Z"},
     datetime(2025, 3, 1, 12, 5)),  # Mastodon
    ({"RateLimit-Remaining": "0", "RateLimit-Reset": "30"}, NOW + timedelta(seconds=31)),  # the draft's delta form
    ({"x-rate-limit-remaining": "1", "x-rate-limit-reset": "1740830400"}, None),  # calls left: no wait
    ({"x-rate-limit-remaining": "0"}, None),  # no reset given: nothing to wait for (a 429 will say)
    ({"x-rate-limit-remaining": "0", "x-rate-limit-reset": "1000000"}, None),  # a reset already past
    ({}, None),
])
def test_spent_until(headers, expected):
    assert http.spent_until(requests.structures.CaseInsensitiveDict(headers), now=NOW) == expected


# --- classification of answers ----------------------------------------------------------------

@pytest.mark.parametrize(("status", "idempotent", "kind"), [
    (401, False, ErrorKind.REAUTH),
    (426, False, ErrorKind.CONFIG),
    (503, False, ErrorKind.RETRY),
    (500, True, ErrorKind.RETRY),
    (502, True, ErrorKind.RETRY),
    (500, False, ErrorKind.UNKNOWN_OUTCOME),
    (502, False, ErrorKind.UNKNOWN_OUTCOME),
    (400, False, ErrorKind.REJECTED),
    (403, False, ErrorKind.REJECTED),
    (422, True, ErrorKind.REJECTED),
    (302, False, ErrorKind.CONFIG),
])
def test_classify_status(status, idempotent, kind):
    error = http.classify(answer(status, {"message": "why"}), idempotent=idempotent)
    assert error.kind is kind and error.status == status


def test_success_is_no_error():
    assert http.classify(answer(201, {"id": 1}), idempotent=False) is None
    assert http.classify(answer(204), idempotent=False) is None


def test_429_uses_the_networks_reset_or_a_default_wait():
    reset = int(time.time()) + 900
    error = http.classify(answer(429, headers={"x-rate-limit-reset": str(reset)}), idempotent=False)
    assert error.kind is ErrorKind.RATE_LIMITED
    assert error.retry_at == datetime.fromtimestamp(reset, UTC).replace(tzinfo=None)
    before = datetime.now(UTC).replace(tzinfo=None)
    error = http.classify(answer(429), idempotent=False)
    assert before + http.DEFAULT_RATE_LIMIT_WAIT <= error.retry_at <= before + http.DEFAULT_RATE_LIMIT_WAIT + timedelta(
        seconds=5)


def test_redirects_are_a_configuration_problem_not_a_success():
    error = http.classify(answer(301, headers={"Location": "https://api.example/2/tweets"}), idempotent=False)
    assert error.kind is ErrorKind.CONFIG and "https://api.example/2/tweets" in error.message


@pytest.mark.parametrize(("body", "message"), [
    ({"error": "invalid_grant", "error_description": "Token was revoked"}, "Token was revoked"),
    ({"message": "Content is a duplicate of urn:li:share:1", "status": 422},
     "Content is a duplicate of urn:li:share:1"),
    ({"title": "Forbidden", "detail": "You are not allowed to create a Tweet with duplicate content."},
     "You are not allowed to create a Tweet with duplicate content."),
    ({"errors": [{"message": "Your Tweet text is too long."}]}, "Your Tweet text is too long."),
    ({"title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
      "errors": [{"message": "Your Tweet text is too long."}]}, "Your Tweet text is too long."),
    ({"errors": ["odd"]}, "odd"),
    ({"error": {"message": "(#200) Permissions error", "code": 200}}, "(#200) Permissions error"),
    ({}, "HTTP 400"),
])
def test_error_message_reads_the_usual_shapes(body, message):
    assert http.error_message(answer(400, body)) == message


def test_error_message_of_a_non_json_answer():
    assert http.error_message(answer(502, text="<html>Bad gateway</html>")) == "<html>Bad gateway</html>"
    assert http.error_message(answer(502, text="")) == "HTTP 502"


# --- transport failures ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def slow_server():
    app = Flask(__name__)

    @app.post("/slow")
    def slow():
        time.sleep(float(request.args.get("s", "1")))
        return jsonify(ok=True)

    @app.get("/fine")
    def fine():
        return jsonify(ok=True)

    with serve(app) as base_url:
        yield base_url


@pytest.mark.parametrize("idempotent", [False, True])
def test_connection_refused_is_always_retried(idempotent):
    with pytest.raises(ProviderError) as caught:
        http.send("POST", f"{refused_url()}/x", idempotent=idempotent, json={})
    assert caught.value.kind is ErrorKind.RETRY


@pytest.mark.parametrize(("idempotent", "kind"), [(False, ErrorKind.UNKNOWN_OUTCOME), (True, ErrorKind.RETRY)])
def test_read_timeout_after_sending(slow_server, idempotent, kind):
    config = {"PROVIDER_CONNECT_TIMEOUT": 2, "PROVIDER_READ_TIMEOUT": 0.2}
    with pytest.raises(ProviderError) as caught:
        http.send("POST", f"{slow_server}/slow?s=0.8", idempotent=idempotent, config=config, json={})
    assert caught.value.kind is kind


def test_send_returns_the_answer_on_success(slow_server):
    assert http.send("GET", f"{slow_server}/fine", idempotent=True).json() == {"ok": True}


def test_request_hands_back_error_answers_for_the_adapter_to_read(slow_server):
    response = http.request("GET", f"{slow_server}/missing", idempotent=True)
    assert response.status_code == 404
    with pytest.raises(ProviderError):
        http.request("GET", f"{refused_url()}/x", idempotent=True)


# --- shared sessions: connections kept alive, no cookies --------------------------------------------

@pytest.fixture(scope="module")
def cookie_server():
    """Sets a cookie on every answer; says which client port (so which connection) the request came on
    and which cookies it carried."""
    app = Flask(__name__)

    @app.get("/who")
    def who():
        response = jsonify(port=request.environ["REMOTE_PORT"], cookies=request.cookies.to_dict())
        response.set_cookie("session", f"member-{request.args.get('member', '?')}")
        return response

    with serve(app) as base_url:
        yield base_url


def _sessions():
    from ambassador.infra import safe_http

    return [None, safe_http.session_for(allow_loopback=True)]  # None: http.py's own, for fixed API hosts


@pytest.mark.parametrize("session", _sessions(), ids=["api-hosts", "member-hosts"])
def test_shared_sessions_reuse_connections_and_keep_no_cookies(cookie_server, session):
    first = http.send("GET", f"{cookie_server}/who?member=1", idempotent=True, session=session).json()
    second = http.send("GET", f"{cookie_server}/who?member=2", idempotent=True, session=session).json()
    assert second["cookies"] == {}  # member 1's cookie does not ride along on member 2's call
    assert second["port"] == first["port"]  # the same kept-alive connection


# --- OAuth token endpoints ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def token_server():
    """Answers with the `status` and `body` the test put in the form."""
    app = Flask(__name__)

    @app.post("/token")
    def token():
        status = int(request.form.get("status", "200"))
        return request.form.get("body", "{}"), status, {"Content-Type": "application/json"}

    with serve(app) as base_url:
        yield f"{base_url}/token"


@pytest.mark.parametrize(("status", "body", "kind"), [
    (400, '{"error": "invalid_grant", "error_description": "expired"}', ErrorKind.REAUTH),
    (400, '{"error": "invalid_request", "error_description": "Value passed for the token was invalid."}',
     ErrorKind.REAUTH),
    (401, '{"error": "invalid_client", "error_description": "Client authentication failed"}', ErrorKind.CONFIG),
    (400, '{"error": "unauthorized_client", "error_description": "Missing valid authorization header"}',
     ErrorKind.CONFIG),
    (400, '{"error": "invalid_scope"}', ErrorKind.REJECTED),
    (500, '{}', ErrorKind.RETRY),
    (503, '{}', ErrorKind.RETRY),
    (429, '{}', ErrorKind.RATE_LIMITED),
])
def test_token_endpoint_errors(token_server, status, body, kind):
    with pytest.raises(ProviderError) as caught:
        http.oauth_token(token_server, data={"status": str(status), "body": body})
    assert caught.value.kind is kind


def test_token_endpoint_answer_that_is_not_json_is_retried(token_server):
    with pytest.raises(ProviderError) as caught:
        http.oauth_token(token_server, data={"body": "<html>maintenance</html>"})
    assert caught.value.kind is ErrorKind.RETRY


def test_token_set_from_an_answer():
    tokens = http.token_set({"access_token": "a", "refresh_token": "r", "expires_in": 7200, "token_type": "bearer",
                             "scope": "tweet.read tweet.write", "id_token": "jwt"}, now=NOW)
    assert (tokens.access_token, tokens.refresh_token) == ("a", "r")
    assert tokens.expires_at == NOW + timedelta(hours=2)
    assert tokens.scopes == ("tweet.read", "tweet.write")
    assert tokens.extra == {"token_type": "bearer"}  # no secrets in extra
    linkedin = http.token_set({"access_token": "a", "expires_in": 5184000, "scope": "openid,profile,w_member_social"},
                              now=NOW)
    assert linkedin.refresh_token is None and linkedin.scopes == ("openid", "profile", "w_member_social")
    assert http.token_set({"access_token": "a"}).expires_at is None


def test_token_set_without_an_access_token_is_an_error():
    with pytest.raises(ProviderError):
        http.token_set({"token_type": "bearer"})
