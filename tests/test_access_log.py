"""Secret tokens never reach the access logs: the redaction, gunicorn's logger class as
gunicorn.conf.py configures it, and the development server (werkzeug) log."""
from __future__ import annotations

import datetime
import logging
import runpy
import secrets
import sys
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

from ambassador.access_log import REDACTED, install_dev_server_redaction, redact

from .providers.fakes.server import serve

TOKEN = secrets.token_urlsafe(32)
SIGNED = "eyJ1IjoxMiwidiI6M30.Z3x9Ag.kq1Vb7s0dJ-mX9uN2aY"  # an itsdangerous-style reset token (dots)


@pytest.mark.parametrize("path, expected", [
    (f"/invite/{TOKEN}", "/invite/[redacted]"),
    (f"/join/{TOKEN}", "/join/[redacted]"),
    (f"/promoters/join/{TOKEN}", "/promoters/join/[redacted]"),
    (f"/password/reset/{SIGNED}", "/password/reset/[redacted]"),
    ("/survey/abc123", "/survey/[redacted]"),
    (f"/survey/i/{TOKEN}", "/survey/i/[redacted]"),
    ("/survey/r/k3y/thanks", "/survey/r/[redacted]/thanks"),
    (f"/survey/unsubscribe/{TOKEN}", "/survey/unsubscribe/[redacted]"),
    ("/me/accounts/callback/x?code=AUTH-CODE&state=S7", "/me/accounts/callback/x?code=[redacted]&state=[redacted]"),
    (f"/some/future/route/{TOKEN}?next=/feed", "/some/future/route/[redacted]?next=/feed"),
    (f"GET /invite/{TOKEN}?lang=nl HTTP/1.1", "GET /invite/[redacted]?lang=nl HTTP/1.1"),
    (f"https://amb.example/join/{TOKEN}", "https://amb.example/join/[redacted]"),
])
def test_secret_tokens_are_redacted(path, expected):
    assert redact(path) == expected


@pytest.mark.parametrize("text", [
    "/surveys/3/invite", "/members/invite", "/members/invitations/5/resend", "/s/Xy1AbC", "/posts/7/media",
    "/static/css/app.css", "/me/accounts/connect/mastodon", "/surveys/results", "-",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
])
def test_ordinary_paths_are_left_alone(text):
    assert redact(text) == text


@pytest.fixture
def gunicorn_imported():
    """gunicorn imported for one test only: jobs/worker.py takes an imported gunicorn to mean "running
    under gunicorn", so it must not stay in sys.modules for the tests that come after."""
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name == "gunicorn" or name.startswith("gunicorn."):
            del sys.modules[name]


def _gunicorn_logger(tmp_path):
    """gunicorn's logger built the way gunicorn builds it from gunicorn.conf.py's settings."""
    from gunicorn.config import Config as GunicornConfig

    settings = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    config = GunicornConfig()
    config.set("logger_class", settings["logger_class"])
    config.set("accesslog", str(tmp_path / "access.log"))
    return config.logger_class(config), tmp_path / "access.log"


def test_gunicorn_access_log_lines_carry_no_token(tmp_path, gunicorn_imported):
    logger, path = _gunicorn_logger(tmp_path)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/invite/{TOKEN}?lang=fr", "PATH_INFO": f"/invite/{TOKEN}",
               "QUERY_STRING": "lang=fr", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "203.0.113.9",
               "HTTP_REFERER": f"https://amb.example/password/reset/{SIGNED}", "HTTP_USER_AGENT": "Firefox"}
    response = SimpleNamespace(status="303 See Other", sent=0, headers=[("Location", f"/join/{TOKEN}")])
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    logger.access(response, request, environ, datetime.timedelta(milliseconds=3))
    for handler in logger.access_log.handlers:
        handler.flush()
    line = path.read_text()
    assert f'"GET /invite/{REDACTED}?lang=fr HTTP/1.1" 303' in line
    assert f'"https://amb.example/password/reset/{REDACTED}"' in line
    assert TOKEN not in line and SIGNED not in line
    for handler in logger.access_log.handlers:
        handler.close()


def test_development_server_log_carries_no_token(caplog):
    install_dev_server_redaction()
    install_dev_server_redaction()  # idempotent: one filter, however many apps are created
    werkzeug_logger = logging.getLogger("werkzeug")
    assert sum(type(f).__name__ == "RedactingFilter" for f in werkzeug_logger.filters) == 1

    def not_found(environ, start_response):
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"no"]

    with caplog.at_level(logging.INFO, logger="werkzeug"), serve(not_found, dev_server=True) as base:
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{base}/invite/{TOKEN}", timeout=5)
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert any(f"/invite/{REDACTED}" in line and " 404 " in line for line in lines), lines
    assert not any(TOKEN in line for line in lines)
