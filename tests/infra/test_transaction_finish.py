"""A request's transaction that only read ends in a commit (psycopg keeps its prepared statements); one that
wrote, or holds changes, or met an error, still ends in a rollback (infra/database.py finish())."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from ambassador.extensions import db
from ambassador.infra.database import finish
from ambassador.models import Organization
from tests.factories import Factory


def _endings(engine) -> list[str]:
    ended: list[str] = []
    event.listen(engine, "commit", lambda conn: ended.append("commit"))
    event.listen(engine, "rollback", lambda conn: ended.append("rollback"))
    return ended


def test_a_request_that_only_read_commits_and_one_that_wrote_rolls_back(own_app):
    with own_app.app_context():
        org = Factory(db).org(name="Reads")
        db.session.commit()
        org_id = org.id
        engine = db.engine
    ended = _endings(engine)
    with own_app.test_request_context("/"):
        assert db.session.get(Organization, org_id) is not None
    assert ended == ["commit"]

    ended.clear()
    with own_app.test_request_context("/"):  # a write left uncommitted (Core, no ORM change pending)
        db.session.execute(sa.update(Organization).where(Organization.id == org_id).values(name="Half-written"))
    assert ended == ["rollback"]
    with own_app.app_context():
        assert db.session.get(Organization, org_id).name == "Reads"

    ended.clear()
    with own_app.test_request_context("/"):  # an ORM change not flushed yet
        db.session.get(Organization, org_id).name = "Pending"
    assert ended == ["rollback"]

    ended.clear()
    try:
        with own_app.test_request_context("/"):  # an error: left to Flask-SQLAlchemy, which rolls back
            db.session.get(Organization, org_id)
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert ended == ["rollback"]
    with own_app.app_context():
        assert db.session.get(Organization, org_id).name == "Reads"


def test_a_savepoint_after_a_write_does_not_make_the_transaction_read_only(own_app):
    with own_app.app_context():
        org = Factory(db).org(name="Before")
        db.session.commit()
        org_id = org.id
        db.session.execute(sa.update(Organization).where(Organization.id == org_id).values(name="Uncommitted"))
        with db.session.begin_nested():
            db.session.scalar(sa.select(Organization.name).where(Organization.id == org_id))
        finish()
        assert db.session.get(Organization, org_id).name == "Before"


def test_statements_stay_prepared_across_read_only_requests_on_postgresql(own_app):
    with own_app.app_context():
        if db.engine.dialect.name != "postgresql":
            return  # psycopg's prepared statements: nothing to keep on SQLite
        org = Factory(db).org(name="Prepared")
        db.session.commit()
        org_id = org.id
    query = sa.select(Organization.name).where(Organization.id == sa.bindparam("id"))
    for _ in range(8):  # psycopg prepares a statement on its 6th execution (prepare_threshold 5)
        with own_app.test_request_context("/"):
            db.session.execute(query, {"id": org_id}).one()
    with own_app.app_context():
        prepared = db.session.scalars(sa.text("SELECT statement FROM pg_prepared_statements")).all()
    assert any('FROM organization' in text for text in prepared), prepared


def test_a_commit_that_fails_at_teardown_is_logged_not_raised(own_app, monkeypatch, caplog):
    with own_app.app_context():
        org = Factory(db).org(name="Dropped")
        db.session.commit()
        org_id = org.id

    def dropped(_self):
        raise sa.exc.OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(Session, "commit", dropped)
    with own_app.test_request_context("/"):
        assert db.session.get(Organization, org_id) is not None
    assert "ending a read-only transaction failed (OperationalError)" in caplog.text
