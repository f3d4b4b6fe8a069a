"""Pooled PostgreSQL connections are checked when handed out without a round trip each time
(infra/database.py check_on_checkout): one the server closed while it rested in the pool is replaced, one
that rested long is pinged, one used a moment ago is handed out as it is."""
from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from ambassador.extensions import db
from ambassador.infra import database


def _backend(own_app) -> int:
    """The server process of the connection the app's session uses (back in the pool when this returns)."""
    pid = int(db.session.scalar(sa.text("SELECT pg_backend_pid()")))
    db.session.commit()
    return pid


@pytest.fixture
def postgres_app(own_app):
    with own_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL connections only (SQLite's are files, handed out as they are)")
    return own_app


def test_a_connection_the_server_closed_while_it_rested_is_replaced(postgres_app):
    with postgres_app.app_context():
        pid = _backend(postgres_app)
        other = sa.create_engine(db.engine.url, poolclass=NullPool)
        with other.connect() as conn:  # the server ends that connection (a restart, an administrator)
            assert conn.scalar(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        other.dispose()
        pooled = db.engine.pool._pool.queue[0].dbapi_connection  # type: ignore[attr-defined]
        deadline = time.monotonic() + 5
        while not database._server_wrote(pooled) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert database._server_wrote(pooled)
        # The next statement gets a new connection instead of failing.
        assert _backend(postgres_app) != pid


def test_only_a_connection_that_rested_long_or_heard_from_the_server_is_pinged(postgres_app, monkeypatch):
    with postgres_app.app_context():
        pings: list[object] = []
        real_ping = db.engine.dialect.do_ping
        monkeypatch.setattr(db.engine.dialect, "do_ping", lambda conn: pings.append(conn) or real_ping(conn))
        pid = _backend(postgres_app)
        for _ in range(3):  # in use a moment ago: no round trip
            assert _backend(postgres_app) == pid
        assert pings == []
        later = time.monotonic() + database.PING_AFTER_IDLE_SECONDS + 1
        monkeypatch.setattr(database.time, "monotonic", lambda: later)
        assert _backend(postgres_app) == pid  # rested longer than PING_AFTER_IDLE_SECONDS: pinged, still alive
        assert len(pings) == 1


def test_setting_pool_pre_ping_pings_every_checkout_instead(own_database_url):
    from tests.conftest import app_with_own_schema

    with app_with_own_schema("test", own_database_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True}) as app:
        with app.app_context():
            assert db.engine.pool._pre_ping  # type: ignore[attr-defined]
            has_check = any(getattr(fn, "__name__", "") == "_checked_out"
                            for fn in db.engine.pool.dispatch.checkout)  # type: ignore[attr-defined]
            assert not has_check


def test_the_environment_can_ask_for_a_ping_on_every_checkout():
    import os
    import subprocess
    import sys
    from pathlib import Path

    def options(env: dict) -> str:
        return subprocess.run([sys.executable, "-c", "import config; print(config.Config.SQLALCHEMY_ENGINE_OPTIONS)"],
                              cwd=Path(__file__).resolve().parents[2], env={**os.environ, **env},
                              capture_output=True, text=True, check=True).stdout.strip()

    assert options({"DATABASE_PING_EVERY_CHECKOUT": "1"}) == "{'pool_pre_ping': True}"
    assert options({"DATABASE_PING_EVERY_CHECKOUT": "0"}) == "{}"


def test_the_app_s_connections_compile_no_statement_with_jit(postgres_app):
    """A board of a custom range summed from the cells spent half its time compiling itself (infra/database.py
    postgresql_settings): every connection of the app turns JIT off, whatever the server's default."""
    with postgres_app.app_context():
        other = sa.create_engine(db.engine.url, poolclass=NullPool)
        with other.connect() as conn:
            default = conn.scalar(sa.text("SHOW jit"))
        other.dispose()
        if default != "on":
            pytest.skip("this server has JIT off already")
        db.engine.dispose()  # new connections only
        assert db.session.scalar(sa.text("SHOW jit")) == "off"
        db.session.commit()
