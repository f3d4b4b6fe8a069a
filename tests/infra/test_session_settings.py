"""Settings a service turns on for some statements only (infra/database.py): `work_memory()` gives the statements
inside it more memory for sorts and hashes and then puts the setting back; `generic_plans()` lasts until the
transaction ends. Both do nothing on SQLite."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ambassador.extensions import db
from ambassador.infra import database


def _show(name: str) -> str:
    return str(db.session.scalar(sa.text(f"SHOW {name}")))


@pytest.fixture
def postgresql(own_app):
    """An app context on PostgreSQL (the tests skip on SQLite, which has neither setting)."""
    with own_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only (SQLite has no such settings)")
        yield


def test_work_memory_runs_nothing_on_sqlite(own_app):
    with own_app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        seen: list[str] = []

        def note(*args) -> None:
            seen.append(args[2])

        sa.event.listen(db.engine, "before_cursor_execute", note)
        try:
            with database.work_memory():
                pass
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", note)
        assert seen == []


@pytest.mark.usefixtures("postgresql")
def test_work_memory_holds_for_the_statements_inside_and_then_goes_back():
    before = _show("work_mem")
    assert before != database.WORK_MEMORY
    with database.work_memory():
        assert _show("work_mem") == database.WORK_MEMORY
    assert _show("work_mem") == before  # the rest of the transaction has the default again
    db.session.commit()
    assert _show("work_mem") == before


@pytest.mark.usefixtures("postgresql")
def test_work_memory_after_an_error_goes_back_with_the_rollback():
    before = _show("work_mem")
    with pytest.raises(sa.exc.DBAPIError), database.work_memory():
        db.session.execute(sa.text("SELECT 1 / 0"))
    db.session.rollback()
    assert _show("work_mem") == before


@pytest.mark.usefixtures("postgresql")
@pytest.mark.parametrize(("turn_on", "mode"), [(database.generic_plans, "force_generic_plan"),
                                               (database.custom_plans, "force_custom_plan")])
def test_plan_modes_last_until_the_transaction_ends(turn_on, mode):
    before = _show("plan_cache_mode")
    turn_on()
    assert _show("plan_cache_mode") == mode
    db.session.commit()
    assert _show("plan_cache_mode") == before
