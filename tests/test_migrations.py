"""Every schema change is a migration: upgrading an empty database yields exactly the models' schema."""
from __future__ import annotations

import os
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from ambassador import create_app
from ambassador.extensions import db

# Indexes with a descending column or an expression (alembic's compare reports them as changed on every run):
# what their definition must say, in this order.
EXPRESSION_INDEXES = {
    "ix_standing_scope_order": ("standing", ["org_id", "window", "campaign_id", "network", "team_id", "points desc",
                                             "sort_name", "membership_id", "kind"]),
    "ix_user_sort_name": ("user", ["lower(", "coalesce(", "name"]),
    "ix_share_org_method_moment": ("share", ["org_id", "method", "coalesce(", "published_at", "created_at"]),
}


def _expression_index(change) -> bool:
    changes = change if isinstance(change, list) else [change]
    return all(isinstance(c, tuple) and c[0] in ("add_index", "remove_index") and c[1].name in EXPRESSION_INDEXES
               for c in changes)


# SQLite cannot reflect expression indexes: the check above reads their definitions instead.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_migrations_apply_cleanly_and_match_models(empty_database_url):
    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    migrations = os.path.join(os.path.dirname(__file__), "..", "migrations")
    with app.app_context():
        engine = db.engines[None] if hasattr(db, "engines") else db.engine
        upgrade(directory=migrations)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = [change for change in compare_metadata(context, db.metadata) if not _expression_index(change)]
        assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"
        # Nor does it compare the order of a primary key's columns (a key is a range scan by its first ones).
        inspector = sa.inspect(engine)
        keys = {table.name: (inspector.get_pk_constraint(table.name)["constrained_columns"],
                             [column.name for column in table.primary_key.columns])
                for table in db.metadata.sorted_tables}
        assert {name: pair for name, pair in keys.items() if pair[0] != pair[1]} == {}
        # Alembic cannot compare indexes with a DESC column: check their columns and order here.
        for name, (table, parts) in EXPRESSION_INDEXES.items():
            with engine.connect() as conn:
                definition = conn.scalar(sa.text(
                    "SELECT indexdef FROM pg_indexes WHERE indexname = :name" if engine.dialect.name == "postgresql"
                    else "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"), {"name": name})
            assert definition, name
            text = definition.lower().replace('"', "")
            at = text.index(f"on {table}") if f"on {table}" in text else text.index(f"on public.{table}")
            for part in parts:
                at = text.index(part, at) + len(part)  # each part, in order
        downgrade(directory=migrations, revision="base")
        remaining = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        engine.dispose()


def _fill(table: sa.Table, given: dict) -> dict:
    """A row for `table` as the database has it: `given`, plus a plain value for every other required column."""
    plain = {int: 1, str: "x", bool: False, bytes: b"x", dict: {}, datetime: datetime(2026, 1, 1)}
    row = dict(given)
    for column in table.columns:
        if column.name in row or column.nullable or column.server_default is not None or column.autoincrement is True:
            continue
        row[column.name] = plain[column.type.python_type]
    return row


# An organization with members, a campaign, a post, links, shares, an account and an idea: parents and
# children of the tables the status CHECKs rebuild on SQLite.
ROWS = [
    ("user", {"id": 1, "email": "a@example.com"}),
    ("user", {"id": 2, "email": "b@example.com"}),
    ("organization", {"id": 1, "slug": "acme", "join_token": "t1"}),
    ("team", {"id": 1, "org_id": 1, "name": "Gent", "join_token": "t2"}),
    ("membership", {"id": 1, "org_id": 1, "user_id": 1, "role": "admin", "kind": "internal", "status": "active"}),
    ("membership", {"id": 2, "org_id": 1, "user_id": 2, "role": "ambassador", "kind": "external",
                    "status": "active"}),
    ("membership_team", {"membership_id": 2, "team_id": 1}),
    ("social_account", {"id": 1, "org_id": 1, "membership_id": 2, "provider": "mastodon", "external_id": "9",
                        "status": "active"}),
    ("campaign", {"id": 1, "org_id": 1, "slug": "spring", "status": "active"}),
    ("post", {"id": 1, "org_id": 1, "campaign_id": 1, "audience": "everyone", "status": "approved"}),
    ("tracked_link", {"id": 1, "org_id": 1, "code": "abc", "post_id": 1, "membership_id": 2, "network": "x"}),
    ("share", {"id": 1, "org_id": 1, "post_id": 1, "membership_id": 2, "tracked_link_id": 1, "network": "x",
               "method": "intent", "status": "shared"}),
    ("share", {"id": 2, "org_id": 1, "post_id": 1, "membership_id": 2, "tracked_link_id": 1, "network": "mastodon",
               "method": "api", "status": "scheduled", "account_id": 1}),
    ("idea", {"id": 1, "org_id": 1, "author_id": 2, "status": "new"}),
    ("invitation", {"id": 1, "org_id": 1, "token_hash": "h", "role": "curator", "kind": "internal"}),
    ("reward", {"id": 1, "org_id": 1, "points_cost": 50, "eligibility": "external"}),
    ("redemption", {"id": 1, "org_id": 1, "reward_id": 1, "membership_id": 2, "points": 50,
                    "status": "requested"}),
]


MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "migrations")


def _seeded_at(revision: str) -> sa.Engine:
    """Upgrade the (empty) database to `revision` and insert ROWS; the engine (inside an app context)."""
    engine = db.engines[None] if hasattr(db, "engines") else db.engine
    upgrade(directory=MIGRATIONS, revision=revision)
    tables = sa.MetaData()
    tables.reflect(engine)
    with engine.begin() as conn:
        for name, given in ROWS:
            conn.execute(tables.tables[name].insert().values(_fill(tables.tables[name], given)))
    return engine


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.scalar(sa.select(sa.func.count()).select_from(sa.table(name)))
                for name in dict.fromkeys(name for name, _row in ROWS)}


# CHECKs added by later revisions (h11notif001), not there yet at h8enum000001.
LATER_CHECKS = {"ck_membership_digest_frequency_valid", "ck_webhook_endpoint_kind_valid",
                "ck_webhook_delivery_status_valid"}


def _checks(engine) -> set[str]:
    inspector = sa.inspect(engine)
    return {check["name"] for name in inspector.get_table_names() for check in inspector.get_check_constraints(name)}


def test_status_checks_are_added_without_losing_rows(empty_database_url):
    """The CHECK migration rebuilds parent tables on SQLite: no child row may go with them (ON DELETE CASCADE)."""
    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        engine = _seeded_at("h7sess000001")
        before = _counts(engine)
        older = _checks(engine)  # reward's cost and stock checks
        assert older and not any(name.endswith("_valid") for name in older)

        upgrade(directory=MIGRATIONS, revision="h8enum000001")
        assert _counts(engine) == before
        present = set(sa.inspect(engine).get_table_names())  # tables of later revisions bring their own checks
        wanted = {c.name for t in db.metadata.tables.values() if t.name in present for c in t.constraints
                  if isinstance(c, sa.CheckConstraint)} - LATER_CHECKS
        assert _checks(engine) == wanted
        with engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):
            with conn.begin_nested():
                conn.execute(sa.text("UPDATE share SET status = 'sent' WHERE id = 1"))
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:  # enforcement is back on for the app's connections
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1

        downgrade(directory=MIGRATIONS, revision="h7sess000001")
        assert _counts(engine) == before
        assert _checks(engine) == older
        engine.dispose()


def test_digest_columns_are_added_to_members_without_losing_rows(empty_database_url):
    """h11notif001 rebuilds `membership` on SQLite (its new CHECK): its children stay, members default to weekly."""
    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        engine = _seeded_at("h11nps000001")
        before = _counts(engine)
        upgrade(directory=MIGRATIONS, revision="h11notif001")
        assert _counts(engine) == before
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT digest_frequency FROM membership ORDER BY id")).scalars().all() == [
                "weekly", "weekly"]
        with engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):
            with conn.begin_nested():
                conn.execute(sa.text("UPDATE membership SET digest_frequency = 'hourly' WHERE id = 1"))
        downgrade(directory=MIGRATIONS, revision="h11nps000001")
        assert _counts(engine) == before
        engine.dispose()


def test_team_totals_are_filled_from_the_cells_of_active_team_members(empty_database_url):
    """i18teamday0001 fills the team totals from the cells: each active member's cells summed per day × campaign ×
    network into each team they are in (a deactivated member's and a member in no team's left out)."""
    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        engine = _seeded_at("i17pdcamp0001")
        extra = [
            ("user", {"id": 3, "email": "c@example.com"}),
            ("membership", {"id": 3, "org_id": 1, "user_id": 3, "role": "ambassador", "kind": "internal",
                            "status": "deactivated"}),
            ("membership_team", {"membership_id": 3, "team_id": 1}),
            ("team", {"id": 2, "org_id": 1, "name": "Lille", "join_token": "t3"}),
            ("membership_team", {"membership_id": 2, "team_id": 2}),
        ]
        cell = {"org_id": 1, "network": "x", "campaign_id": 1, "points": 0, "shares": 0, "clicks": 0, "engagement": 0}
        cells = [  # (day, member, post): member 2 in teams 1 and 2, member 3 deactivated, member 1 in no team
            {**cell, "day": date(2026, 11, 2), "membership_id": 2, "post_id": 1, "shares": 1, "points": 10},
            {**cell, "day": date(2026, 11, 2), "membership_id": 2, "post_id": 2, "clicks": 3, "engagement": 4},
            {**cell, "day": date(2026, 11, 3), "membership_id": 2, "post_id": 1, "clicks": 1},
            {**cell, "day": date(2026, 11, 2), "membership_id": 3, "post_id": 1, "shares": 5},
            {**cell, "day": date(2026, 11, 2), "membership_id": 1, "post_id": 1, "shares": 7},
        ]
        tables = sa.MetaData()
        tables.reflect(engine)
        with engine.begin() as conn:
            for name, given in extra:
                conn.execute(tables.tables[name].insert().values(_fill(tables.tables[name], given)))
            conn.execute(tables.tables["rollup_cell"].insert(), cells)
        upgrade(directory=MIGRATIONS, revision="i18teamday0001")
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT team_id, day, campaign_id, network, points, shares, clicks, engagement "
                                        "FROM rollup_team_day ORDER BY team_id, day")).all()
        assert [(r[0], str(r[1]), *r[2:]) for r in rows] == [  # SQLite hands dates back as text here
            (team, str(day), 1, "x", *sums) for team in (1, 2)
            for day, sums in ((date(2026, 11, 2), (10, 1, 3, 4)), (date(2026, 11, 3), (0, 0, 1, 0)))]
        downgrade(directory=MIGRATIONS, revision="i17pdcamp0001")
        assert "rollup_team_day" not in sa.inspect(engine).get_table_names()
        engine.dispose()
