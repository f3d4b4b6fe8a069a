"""Tokens on the API: 401 without a live one, scopes and roles decide 403, no cookie, no CSRF."""
from __future__ import annotations

from datetime import timedelta

from ambassador.models import utcnow
from ambassador.services.org import api_tokens

from .conftest import READ_SCOPES, bearer


def test_no_token_or_a_wrong_one_is_a_401_problem(client, world):
    for headers in ({}, {"Authorization": "Bearer amb_pat_nope"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/teams", headers=headers)
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_and_revoked_tokens_are_refused(client, world, token_for, db):
    token, secret = token_for(world["admin"])
    assert client.get("/api/v1/teams", headers=bearer(secret)).status_code == 200
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    assert client.get("/api/v1/teams", headers=bearer(secret)).status_code == 401
    token2, secret2 = token_for(world["admin"])
    api_tokens.revoke_token(actor=world["admin"], token=token2)
    db.session.flush()
    assert client.get("/api/v1/teams", headers=bearer(secret2)).status_code == 401


def test_a_deactivated_members_token_stops_working(client, world, token_for, db):
    _token, secret = token_for(world["manager"])
    world["manager"].status = "deactivated"
    db.session.flush()
    assert client.get("/api/v1/teams", headers=bearer(secret)).status_code == 401


def test_a_read_token_cannot_write(client, world, token_for):
    _token, secret = token_for(world["admin"], READ_SCOPES)
    response = client.post("/api/v1/teams", json={"name": "Ops"}, headers=bearer(secret))
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert "members:write" in response.get_json()["detail"]


def test_a_personal_token_never_exceeds_its_members_role(client, world, token_for):
    _token, secret = token_for(world["ambassador"])  # every scope, but an ambassador
    assert client.get("/api/v1/members", headers=bearer(secret)).status_code == 403
    assert client.post("/api/v1/teams", json={"name": "Ops"}, headers=bearer(secret)).status_code == 403
    assert client.get("/api/v1/campaigns", headers=bearer(secret)).status_code == 403
    _token, manager_secret = token_for(world["manager"])
    assert client.get("/api/v1/members", headers=bearer(manager_secret)).status_code == 200


def test_api_sets_no_cookie_and_needs_no_csrf_token(app, client, world, token_for, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    _token, secret = token_for(world["admin"])
    response = client.post("/api/v1/teams", json={"name": "Ops"}, headers=bearer(secret))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert "Set-Cookie" not in client.get("/api/v1/teams", headers=bearer(secret)).headers


def test_last_used_is_noted(client, world, token_for, db):
    token, secret = token_for(world["admin"])
    assert token.last_used_at is None
    client.get("/api/v1/teams", headers=bearer(secret))
    db.session.refresh(token)
    assert token.last_used_at is not None


def test_rate_limit_headers_and_429(app, client, world, token_for, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", (2, 60))
    _token, secret = token_for(world["admin"])
    first = client.get("/api/v1/teams", headers=bearer(secret))
    assert first.headers["RateLimit-Limit"] == "2"
    assert first.headers["RateLimit-Remaining"] == "1"
    assert first.headers["RateLimit-Policy"] == "2;w=60"
    assert client.get("/api/v1/teams", headers=bearer(secret)).headers["RateLimit-Remaining"] == "0"
    third = client.get("/api/v1/teams", headers=bearer(secret))
    assert third.status_code == 429
    assert third.mimetype == "application/problem+json"
    assert 0 < int(third.headers["Retry-After"]) <= 60
    _other, other_secret = token_for(world["manager"])  # per token: another token still gets through
    assert client.get("/api/v1/teams", headers=bearer(other_secret)).status_code == 200


def test_unknown_paths_and_methods_are_problems_and_pages_stay_html(client, world, token_for):
    _token, secret = token_for(world["admin"])
    missing = client.get("/api/v1/nothing-here", headers=bearer(secret))
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    wrong = client.delete("/api/v1/teams", headers=bearer(secret))
    assert wrong.status_code == 405 and wrong.mimetype == "application/problem+json"
    assert "GET" in wrong.headers["Allow"]
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"
