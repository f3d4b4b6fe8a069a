"""End-to-end harness: a real server on a free port and Debian's headless Chromium.

The live server is its own app with its own SQLite FILE database (never the test app's
in-memory one, never the per-test rolled-back transaction), so what a test seeds through
`live_server.session()` or through the browser is what the server sees.

Skipping: SKIP_E2E_REASON set → every test here is skipped with that reason (the PostgreSQL
pass of tests/run_suite.py sets it: the browser tests run once, on SQLite). Without
Chromium they are skipped with a hint, except under CI=true, where that is a failure.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from ambassador import create_app
from ambassador.extensions import db as _db

HERE = Path(__file__).parent
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
# Nothing leaves the machine: every host but the live server's resolves to "not found", so a
# redirect to LinkedIn or to a post's site is seen (as a request) but never sent.
OFFLINE_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
NO_CHROMIUM = "Chromium not found: apt-get install chromium"
# A normal desktop browser (a visitor clicking a short link), not a preview bot.
VISITOR_USER_AGENT = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                      "Chrome/124.0.0.0 Safari/537.36")


def _in_this_package(item) -> bool:
    return HERE in Path(str(item.path)).parents


def pytest_collection_modifyitems(config, items):
    reason = os.environ.get("SKIP_E2E_REASON")
    if not reason and not shutil.which("chromium") and not IN_CI:
        reason = NO_CHROMIUM
    if reason:
        marker = pytest.mark.skip(reason=f"browser tests: {reason}")
        for item in items:
            if _in_this_package(item):
                item.add_marker(marker)


@pytest.fixture(autouse=True)
def db():
    """Browser tests do not use the test app's rolled-back transaction: the live server has its own database."""
    yield None


@dataclass
class LiveServer:
    app: Flask
    url: str

    @contextlib.contextmanager
    def session(self):
        """The live app's database session, committed on success (for seeding and checking)."""
        with self.app.app_context():
            try:
                yield _db.session
                _db.session.commit()
            except BaseException:
                _db.session.rollback()
                raise
            finally:
                _db.session.remove()


class QuietHandler(WSGIRequestHandler):
    """No access log lines in the test output (errors still go to the app's logger)."""

    def log_request(self, *args, **kwargs):
        pass


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("live")
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'live.db'}", WTF_CSRF_ENABLED=True,
                     CLICK_BUFFER_SYNC=True, UPLOAD_FOLDER=str(folder / "uploads"))
    with app.app_context():
        _db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=url)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which("chromium")
    if path is None:
        if IN_CI:
            pytest.fail(f"{NO_CHROMIUM} (CI=true: the browser tests must run)", pytrace=False)
        pytest.skip(NO_CHROMIUM)
    return path


@pytest.fixture(scope="session")
def playwright_driver():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_driver, chromium_path):
    browser = playwright_driver.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS + OFFLINE_ARGS,
                                             headless=True)
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser, live_server):
    """new_context(**options): a fresh browser profile (own cookies) on the live server, closed after the test."""
    contexts = []

    def _new(**options):
        options.setdefault("base_url", live_server.url)
        options.setdefault("locale", "en-GB")
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield _new
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


def log_in(page, email: str, password: str) -> None:
    """Sign in through the real login form and wait until the app has let us in."""
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password").fill(password)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)
