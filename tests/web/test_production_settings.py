"""Production over HTTPS: HSTS, __Host- cookies (session and remember-me), CSRF still working, and
the warning when PROVIDERS_ALLOW_HTTP is on. Development and tests over http keep plain names."""
from __future__ import annotations

import logging
import re

import pytest
from cryptography.fernet import Fernet

from ambassador import create_app
from ambassador.extensions import db as _db
from tests.factories import PASSWORD, Factory

HTTPS = "https://amb.example"
SAME_ORIGIN = {"Referer": f"{HTTPS}/login"}  # Flask-WTF checks the Referer of HTTPS form posts


@pytest.fixture
def production(tmp_path):
    """The production configuration on its own SQLite file, with what production needs set."""
    app = create_app("production", SECRET_KEY="production-secret-for-tests",
                     TOKEN_KEYS=Fernet.generate_key().decode(), PUBLIC_BASE_URL=HTTPS,
                     SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'prod.db'}",
                     UPLOAD_FOLDER=str(tmp_path / "uploads"))
    with app.app_context():
        _db.create_all()
        user = Factory(_db).user(email="owner@amb.example")
        _db.session.commit()
        email = user.email
        _db.session.remove()
    yield app, email
    with app.app_context():
        _db.engine.dispose()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _set_cookies(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_production_sends_hsts(production):
    app, _email = production
    response = app.test_client().get("/login", base_url=HTTPS)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_no_hsts_over_http_in_tests_and_development(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    from config import DevelopmentConfig

    assert DevelopmentConfig.STRICT_TRANSPORT_SECURITY == ""
    names = (DevelopmentConfig.SESSION_COOKIE_NAME, DevelopmentConfig.REMEMBER_COOKIE_NAME)
    assert names == ("session", "remember_token")


def test_production_cookies_are_host_prefixed_and_csrf_still_works(production):
    app, email = production
    client = app.test_client()
    form = client.get("/login", base_url=HTTPS)
    session_cookie = _set_cookies(form)["__Host-session"]
    assert "Secure" in session_cookie and "Path=/" in session_cookie and "Domain" not in session_cookie
    token = _csrf(form.get_data(as_text=True))

    refused = client.post("/login", base_url=HTTPS, headers=SAME_ORIGIN,
                          data={"email": email, "password": PASSWORD, "remember": "y"})
    assert refused.status_code == 400  # no CSRF token: refused, as before

    response = client.post("/login", base_url=HTTPS, headers=SAME_ORIGIN,
                           data={"email": email, "password": PASSWORD, "remember": "y", "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    cookies = _set_cookies(response)
    assert set(cookies) >= {"__Host-session", "__Host-remember"} and "remember_token" not in cookies
    for header in (cookies["__Host-session"], cookies["__Host-remember"]):
        assert "Secure" in header and "Path=/" in header and "Domain" not in header and "HttpOnly" in header


def test_flask_login_reads_the_host_prefixed_remember_cookie(production):
    """A browser that kept only the remember-me cookie is signed in again from it."""
    app, email = production
    client = app.test_client()
    token = _csrf(client.get("/login", base_url=HTTPS).get_data(as_text=True))
    client.post("/login", base_url=HTTPS, headers=SAME_ORIGIN,
                data={"email": email, "password": PASSWORD, "remember": "y", "csrf_token": token})
    remember = client.get_cookie("__Host-remember", domain="amb.example")
    assert remember is not None
    fresh = app.test_client()
    fresh.set_cookie("__Host-remember", remember.value, domain="amb.example", secure=True)
    assert fresh.get("/", base_url=HTTPS).headers.get("Location", "").endswith("/feed")


def test_production_warns_when_providers_allow_http_is_on(monkeypatch, caplog, tmp_path):
    monkeypatch.setenv("PROVIDERS_ALLOW_HTTP", "1")
    import importlib

    import config

    importlib.reload(config)
    try:
        assert config.Config.PROVIDERS_ALLOW_HTTP is True and config.TestConfig.PROVIDERS_ALLOW_HTTP is False
        with caplog.at_level(logging.WARNING):
            create_app("production", SECRET_KEY="s", TOKEN_KEYS=Fernet.generate_key().decode(),
                       PUBLIC_BASE_URL=HTTPS, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'w.db'}")
    finally:
        monkeypatch.delenv("PROVIDERS_ALLOW_HTTP")
        importlib.reload(config)
    assert any("PROVIDERS_ALLOW_HTTP is on" in record.getMessage() for record in caplog.records)
    assert config.Config.PROVIDERS_ALLOW_HTTP is False
