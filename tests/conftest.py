"""Fixtures: the schema is built once per run, every test runs in a transaction rolled back after it.

The suite runs on SQLite by default; `TEST_DATABASE_URL=postgresql+psycopg://…` runs it on
PostgreSQL (a fresh database is created for the run and dropped after it).
"""
from __future__ import annotations

import contextlib
import contextvars
import os
import uuid

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app
from flask.testing import FlaskClient

from ambassador import create_app
from ambassador.extensions import db as _db
from ambassador.translations.compile import compile_catalogs

from .factories import Factory

# Fixture modules shared across areas (their fixtures' names are unique in the suite).
pytest_plugins = ("tests.services.analytics.leaderboard_data", "tests.services.publishing.oauth_fakes",
                  "tests.services.notify.fake_chat", "tests.services.hooks.receiver")

PUBLIC_BASE_URL = "http://localhost"  # the test client's host, so links in pages can be followed


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (and `g`), as in production.

    The tests hold an app context for database work; without this, Flask would reuse it
    for every request and `g` (the logged-in user, the organization) would leak between them.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Like a browser, the client names a language; tests assert the English texts.
        self.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"

    def open(self, *args, **kwargs):
        # A streamed body (exports) is read inside the request's own context too, where it was started.
        kwargs.setdefault("buffered", True)

        def run():
            _cv_app.set(None)
            return FlaskClient.open(self, *args, **kwargs)

        return contextvars.copy_context().run(run)


def _postgres_database(url: str):
    """Create a throwaway database next to the one named in `url`; return its URL and a dropper."""
    base = sa.engine.make_url(url)
    name = f"ambassador_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop():
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url():
    url = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    if url.startswith("postgresql"):
        url, drop = _postgres_database(url)
        yield url
        drop()
    else:
        yield url


@pytest.fixture
def own_database_url(database_url, tmp_path):
    """A throwaway database of the test's own, for an app of its own with real commits."""
    if database_url.startswith("postgresql"):
        url, drop = _postgres_database(database_url)
    else:
        url, drop = f"sqlite:///{tmp_path / 'own.db'}", (lambda: None)
    yield url
    drop()


@pytest.fixture
def empty_database_url(tmp_path, database_url):
    """An empty database of the same kind the suite runs on (for the migration tests)."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    url, drop = _postgres_database(database_url)
    yield url
    drop()


@pytest.fixture
def own_app(own_database_url):
    """An app on a throwaway database with real commits (the per-test transaction would hide other sessions'
    rows): for races between sessions, which PostgreSQL's row locks (or SQLite's write lock) serialize."""
    with app_with_own_schema("test", own_database_url) as app:
        yield app


@contextlib.contextmanager
def app_with_own_schema(config_name: str, url: str, **settings):
    """An app of the test's own on `url` (see own_database_url), its schema built, its engine disposed after."""
    settings.setdefault("PUBLIC_BASE_URL", PUBLIC_BASE_URL)  # set by an operator, as for the suite's app
    app = create_app(config_name, SQLALCHEMY_DATABASE_URI=url, **settings)
    with app.app_context():
        _db.create_all()
    try:
        yield app
    finally:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    compile_catalogs()
    # TestConfig leaves PUBLIC_BASE_URL unset, as production does; like an operator, the suite sets it.
    app = create_app("test", SQLALCHEMY_DATABASE_URI=database_url, PUBLIC_BASE_URL=PUBLIC_BASE_URL,
                     UPLOAD_FOLDER=str(tmp_path_factory.mktemp("uploads")))
    app.test_client_class = IsolatedClient
    with app.app_context():
        _db.create_all()
        yield app
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def db(app):
    """Every test in one outer transaction; commits inside release savepoints only."""
    engines = _db.engines
    original_engine = engines[None]
    connection = original_engine.connect()
    transaction = connection.begin()
    engines[None] = connection
    original_session = _db.session
    _db.session = _db._make_scoped_session({"join_transaction_mode": "create_savepoint"})
    try:
        yield _db
    finally:
        _db.session.remove()
        _db.session = original_session
        transaction.rollback()
        connection.close()
        engines[None] = original_engine


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make(db):
    """Model factories: make.org(), make.member(org, role=...), make.post(...)…"""
    return Factory(db)


@pytest.fixture
def login(client):
    """login(user) signs the test client in as `user` (password 'correct horse battery')."""

    def _login(user, password: str = "correct horse battery"):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return _login


@pytest.fixture
def allow_http_providers(app, monkeypatch):
    """PROVIDERS_ALLOW_HTTP on, as an operator would set it: the contract fakes of Mastodon and
    Bluesky are http:// servers on loopback, which the default (production) settings refuse."""
    monkeypatch.setitem(app.config, "PROVIDERS_ALLOW_HTTP", True)


@pytest.fixture
def public_dns(monkeypatch):
    """Every host name resolves to one public address (the test machine has no DNS); returns the calls."""
    import socket

    looked_up = []

    def getaddrinfo(host, port, *args, **kwargs):
        looked_up.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("93.184.216.34", port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return looked_up
