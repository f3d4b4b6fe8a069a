"""Benchmark: leaderboards, "my rank", the overview and their pages, read from the rollups, against the naive
GROUP BY over the raw ledger — on a data set this script generates with SQL on a throwaway database.

    python bench/leaderboard.py                      # SQLite: 10k members, 1M ledger rows
    python bench/leaderboard.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test
                                                     # PostgreSQL: 100k members (20 teams), 200k shares,
                                                     # 1M clicks, 10M ledger rows; one share in ten
                                                     # through a linked account, with engagement read back

Steps: generate (generate_series on PostgreSQL, a recursive CTE on SQLite; foreign-key triggers and the
ledger's indexes are off while PostgreSQL loads, then built once), rebuild the rollups and standings with
the service `flask ambassador rebuild-rollups` runs (timed), then measure — after warm-up, over several
rounds — every board variant (window × filter, with movement as the page shows it), "my rank", the naive
GROUP BY, the overview service and the pages' server time (Flask test client): leaderboard, overview,
the analytics of a post, a campaign and a team, the members page and My activity. Prints a table, the
machine load, and per database the line `leaderboard worst p95: X ms; naive/rollup: Y×; overview p95: Z ms`,
where the boards are both those kept in memory (nothing changed since the last view) and those computed afresh
after an event (the stamp moved).
Targets (issue 9): boards and my rank p95 < 50 ms and ≥ 50× faster than naive; overview and pages < 100 ms.
"""
from __future__ import annotations

import argparse
import base64
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

SECRET = "bench-secret-" + uuid.uuid4().hex
OPERATOR = {"SECRET_KEY": SECRET, "PUBLIC_BASE_URL": "https://amb.bench.example",
            "TOKEN_KEYS": base64.urlsafe_b64encode(uuid.uuid4().bytes * 2).decode()}
PASSWORD = "bench password 123"
NETWORKS = ("linkedin", "x", "bluesky", "mastodon")
YEAR_MINUTES = 365 * 24 * 60


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database", help="PostgreSQL server URL (a throwaway database is created there); "
                                      "default: a SQLite file in a temp dir")
    p.add_argument("--members", type=int)
    p.add_argument("--shares", type=int)
    p.add_argument("--clicks", type=int)
    p.add_argument("--ledger", type=int, help="points-ledger rows")
    p.add_argument("--rounds", type=int, default=40)  # a p95 of 40 calls: the 3rd slowest, not the 2nd of 12
    # psycopg prepares a statement at its 6th execution on a connection and PostgreSQL plans a prepared one
    # afresh its first 5 executions before it keeps a generic plan (ints go as integers whatever their value,
    # so ids below and above 32,768 share one: infra/database.py postgresql_settings). A server process pays
    # those ~10 planned executions once per connection and statement (the kept board's stamp check with its
    # read-ahead: 2-4 ms each, the very first 20-50 ms); the p95s are of the calls after.
    p.add_argument("--warmup", type=int, default=25)
    p.add_argument("--seed", type=int, default=9)
    p.add_argument("--keep", action="store_true", help="keep the generated database (prints its URL)")
    p.add_argument("--reuse", metavar="URL", help="measure a database an earlier --keep run generated")
    args = p.parse_args()
    big = bool(args.database)
    args.members = args.members or (100_000 if big else 10_000)
    args.shares = args.shares or (200_000 if big else 20_000)
    args.clicks = args.clicks or (1_000_000 if big else 100_000)
    args.ledger = args.ledger or (10_000_000 if big else 1_000_000)
    return args


def create_database(server_url: str | None, tmp: Path):
    if not server_url:
        return f"sqlite:///{tmp / 'bench.db'}", lambda: None
    from tests.conftest import _postgres_database

    return _postgres_database(server_url)


class Sql:
    """The few spots where the two dialects differ: a series of integers, timestamps, the local day."""

    def __init__(self, dialect: str, now: str, zone: str):
        self.pg = dialect == "postgresql"
        self.now, self.zone = now, zone

    def series(self, n: int) -> tuple[str, str]:
        """(prefix, from-item) giving rows s.i = 0 .. n-1."""
        if self.pg:
            return "", f"generate_series(0, {n - 1}) AS s(i)"
        return f"WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {n - 1})", "s"

    def minutes_ago(self, expr: str) -> str:
        if self.pg:
            return f"(TIMESTAMP '{self.now}' - ({expr}) * INTERVAL '1 minute')"
        return f"datetime('{self.now}', '-' || ({expr}) || ' minutes')"

    def plus_hour(self, expr: str, hours: int = 1) -> str:
        return f"({expr} + INTERVAL '{hours} hour')" if self.pg else f"datetime({expr}, '+{hours} hour')"

    def day(self, expr: str) -> str:
        if self.pg:
            return f"(({expr} AT TIME ZONE 'UTC') AT TIME ZONE '{self.zone}')::date"
        return f"date({expr})"  # the SQLite organization keeps UTC

    def network(self, expr: str) -> str:
        return "CASE " + " ".join(f"WHEN ({expr}) = {i} THEN '{n}'" for i, n in enumerate(NETWORKS)) + " END"


def seed_objects(app, zone: str):
    """The organization, 20 teams, 20 campaigns, 200 posts and the two people who log in (ORM)."""
    from ambassador.extensions import db
    from ambassador.infra.tokens import new_token
    from ambassador.models import Campaign, Membership, Organization, Post, Team, User, utcnow

    with app.app_context():
        org = Organization(name="Bench", slug="bench", join_token=new_token(), timezone=zone)
        db.session.add(org)
        db.session.flush()
        teams = [Team(org_id=org.id, name=f"Team {i:02d}", join_token=new_token()) for i in range(20)]
        campaigns = [Campaign(org_id=org.id, title=f"Campaign {i:02d}", slug=f"c{i}", status="active")
                     for i in range(20)]
        db.session.add_all(teams + campaigns)
        db.session.flush()
        posts = [Post(org_id=org.id, campaign_id=campaigns[i % 20].id, title=f"Post {i:03d}",
                      link_url=f"https://example.com/{i}", status="approved") for i in range(200)]
        db.session.add_all(posts)
        logins = {}
        for role in ("manager", "ambassador"):
            user = User(email=f"{role}@bench.example", name=f"Bench {role}", email_verified_at=utcnow())
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.flush()
            db.session.add(Membership(org_id=org.id, user_id=user.id, role=role))
            logins[role] = user.email
        db.session.commit()
        return org.id, [t.id for t in teams], [c.id for c in campaigns], min(p.id for p in posts), logins


def generate(engine: sa.Engine, sql: Sql, org_id: int, team_ids: list[int], post_base: int, args) -> None:
    n, s_count, c_count = args.members, args.shares, args.clicks
    adjustments = max(0, args.ledger - s_count - c_count)
    with engine.begin() as conn:
        if sql.pg:
            conn.exec_driver_sql("SET session_replication_role = replica")  # no FK triggers while loading
            conn.exec_driver_sql("SET synchronous_commit = off")

        def run(label: str, statement: str) -> None:
            started = time.perf_counter()
            conn.exec_driver_sql(statement.replace("%", "%%") if sql.pg else statement)
            print(f"  {label:<22} {time.perf_counter() - started:7.1f} s", flush=True)

        prefix, series = sql.series(n)
        run("users", f"""{prefix} INSERT INTO "user" (email, name, password_hash, timezone, session_version,
            created_at) SELECT 'member' || i || '@bench.example', 'Member ' || i, NULL, 'Europe/Brussels', 1,
            {sql.minutes_ago('0')} FROM {series}""")
        run("memberships", f"""INSERT INTO membership (org_id, user_id, role, kind, status, queue_times, source,
            created_at) SELECT {org_id}, id, 'ambassador', CASE WHEN id % 3 = 0 THEN 'external' ELSE 'internal' END,
            CASE WHEN id % 100 = 7 THEN 'deactivated' ELSE 'active' END, '08:30', 'import', {sql.minutes_ago('0')}
            FROM "user" WHERE email LIKE 'member%@bench.example' ORDER BY id""")
        base = conn.exec_driver_sql("SELECT min(id) FROM membership WHERE source = 'import'").scalar()
        teams = "CASE " + " ".join(f"WHEN {{m}} % 20 = {i} THEN {t}" for i, t in enumerate(team_ids)) + " END"
        run("team members", f"""INSERT INTO membership_team (membership_id, team_id)
            SELECT id, {teams.format(m='id')} FROM membership WHERE source = 'import'
            UNION ALL SELECT id, {teams.format(m='(id + 1)')} FROM membership
            WHERE source = 'import' AND id % 10 = 0""")
        prefix, series = sql.series(s_count)
        run("tracked links", f"""{prefix} INSERT INTO tracked_link (org_id, code, post_id, membership_id, network,
            destination, created_at) SELECT {org_id}, 'b' || i, {post_base} + ((i * 31 + i / {n}) % 200),
            {base} + (i % {n}), {sql.network(f'(i / {n}) % 4')}, 'https://example.com/', {sql.minutes_ago('0')}
            FROM {series}""")
        link_base = conn.exec_driver_sql("SELECT min(id) FROM tracked_link").scalar()
        moment = sql.minutes_ago(f"((id - {link_base}) * 37) % {YEAR_MINUTES}")
        api = f"(id - {link_base}) % 10 = 0"
        run("shares", f"""INSERT INTO share (org_id, post_id, membership_id, tracked_link_id, network, method, status,
            caption, created_at, published_at, attempts, auto) SELECT org_id, post_id, membership_id, id, network,
            CASE WHEN {api} THEN 'api' ELSE 'intent' END, CASE WHEN {api} THEN 'published' ELSE 'shared' END, '',
            {moment}, CASE WHEN {api} THEN {sql.plus_hour(moment)} END, 0, {'false' if sql.pg else '0'}
            FROM tracked_link""")
        generate_engagement(run, sql)
        prefix, series = sql.series(c_count)
        run("clicks", f"""{prefix} INSERT INTO click (org_id, tracked_link_id, visitor_hash, hour_bucket, day_bucket,
            day_slot, referrer_host, created_at) SELECT {org_id}, {link_base} + (i % {s_count}), 'v' || i, i, i / 24, 0,
            '', {sql.minutes_ago(f'(i * 53) % {YEAR_MINUTES}')} FROM {series}""")
        ledger_indexes = _drop_ledger_indexes(conn) if sql.pg else []
        share_moment = "coalesce(published_at, created_at)"
        run("ledger: shares", f"""INSERT INTO points_entry (org_id, membership_id, points, reason, note, share_id,
            day, created_at) SELECT org_id, membership_id, 10, 'share', '', id, {sql.day(share_moment)},
            {share_moment} FROM share""")
        run("ledger: clicks", f"""INSERT INTO points_entry (org_id, membership_id, points, reason, note, click_id,
            day, created_at) SELECT c.org_id, l.membership_id, 1, 'click', '', c.id, {sql.day('c.created_at')},
            c.created_at FROM click c JOIN tracked_link l ON l.id = c.tracked_link_id""")
        if adjustments:
            prefix, series = sql.series(adjustments)
            at = sql.minutes_ago(f"(i * 13) % {YEAR_MINUTES}")
            run("ledger: other", f"""{prefix} INSERT INTO points_entry (org_id, membership_id, points, reason, note,
                day, created_at) SELECT {org_id}, {base} + ((i * 7) % {n}), (i % 10) + 1, 'adjustment', '',
                {sql.day(at)}, {at} FROM {series}""")
        for statement in ledger_indexes:
            run("ledger index", statement)
        if sql.pg:
            conn.exec_driver_sql("SET session_replication_role = origin")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")


def generate_engagement(run: Callable[[str, str], None], sql: Sql) -> None:
    """The API shares (one in ten) go through linked accounts, one per member and network, with follower counts
    (potential reach; one account in seven unknown); those not on LinkedIn (which reports nothing) get figures read
    back: two snapshots each (an hour, then six hours after publishing; quotes and impressions only where the
    network gives them, a post in fifty deleted) and their latest figures."""
    now = sql.minutes_ago("0")
    run("linked accounts", f"""INSERT INTO social_account (org_id, membership_id, provider, external_id, handle,
        display_name, profile_url, service_url, scopes, extra, status, followers_count, followers_fetched_at,
        created_at, updated_at) SELECT org_id, membership_id, network, 'bench-' || membership_id || '-' || network,
        '', '', '', '', '', '{{}}', 'active', CASE WHEN membership_id % 7 = 0 THEN NULL
        ELSE (membership_id * 37) % 5000 END, {now}, {now}, {now} FROM share WHERE method = 'api'
        GROUP BY org_id, membership_id, network""")
    run("shares' accounts", """UPDATE share SET account_id = (SELECT a.id FROM social_account a
        WHERE a.membership_id = share.membership_id AND a.provider = share.network) WHERE method = 'api'""")
    read = "method = 'api' AND network <> 'linkedin'"
    quotes = "CASE WHEN network IN ('x', 'bluesky') THEN {} END"
    impressions = "CASE WHEN network = 'x' THEN {} END"
    for hours, half in ((1, " / 2"), (6, "")):
        run(f"snapshots +{hours} h", f"""INSERT INTO engagement_snapshot (org_id, share_id, taken_at, likes, reposts,
            replies, quotes, impressions) SELECT org_id, id, {sql.plus_hour('published_at', hours)}, (id % 40){half},
            (id % 7){half}, (id % 5){half}, {quotes.format(f'(id % 3){half}')},
            {impressions.format(f'(id % 40) * 30{half}')} FROM share WHERE {read}""")
    run("share engagement", f"""INSERT INTO share_engagement (share_id, org_id, likes, reposts, replies, quotes,
        impressions, fetched_at, next_fetch_at, deleted_at, created_at) SELECT id, org_id, id % 40, id % 7, id % 5,
        {quotes.format('id % 3')}, {impressions.format('(id % 40) * 30')}, {sql.plus_hour('published_at', 6)}, NULL,
        CASE WHEN id % 50 = 0 THEN {sql.plus_hour('published_at', 7)} END, published_at FROM share WHERE {read}""")


def _drop_ledger_indexes(conn) -> list[str]:
    """Drop the ledger's indexes and unique constraints; return the statements that build them again."""
    rows = conn.exec_driver_sql("""SELECT i.relname, pg_get_indexdef(i.oid), c.conname, pg_get_constraintdef(c.oid)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
        LEFT JOIN pg_constraint c ON c.conindid = i.oid
        WHERE t.relname = 'points_entry' AND NOT x.indisprimary""").all()
    again = []
    for index, definition, constraint, constraint_def in rows:
        if constraint:
            conn.exec_driver_sql(f'ALTER TABLE points_entry DROP CONSTRAINT "{constraint}"')
            again.append(f'ALTER TABLE points_entry ADD CONSTRAINT "{constraint}" {constraint_def}')
        else:
            conn.exec_driver_sql(f'DROP INDEX "{index}"')
            again.append(definition)
    return again


def reused_objects(app):
    """The ids seed_objects() made, read back from a kept database."""
    from ambassador.extensions import db
    from ambassador.models import Campaign, Organization, Team

    with app.app_context():
        org_id = db.session.scalar(sa.select(Organization.id).where(Organization.slug == "bench"))
        teams = list(db.session.scalars(sa.select(Team.id).where(Team.org_id == org_id).order_by(Team.name)))
        campaigns = list(db.session.scalars(sa.select(Campaign.id).where(Campaign.org_id == org_id)
                                            .order_by(Campaign.title)))
    return org_id, teams, campaigns, {role: f"{role}@bench.example" for role in ("manager", "ambassador")}


def build_rollups(app, org_id: int) -> float:
    from ambassador.extensions import db
    from ambassador.services.analytics import rebuild
    from ambassador.services.org import organizations

    started = time.perf_counter()
    with app.app_context():
        org = organizations.get(org_id)
        for batch in rebuild.batches(org):
            rebuild.rebuild_batch(org=org, batch=batch)
            db.session.commit()
        rebuild.rebuild_standings(org=org)
        db.session.commit()
        engine = db.engine
    elapsed = time.perf_counter() - started
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # What autovacuum does on its own after a bulk load (PostgreSQL: the visibility map for index-only scans).
        conn.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
    return elapsed


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))] * 1000


def measure(call: Callable[[int], object], *, rounds: int, warmup: int, after: Callable[[], None]) -> float:
    for i in range(warmup):
        call(i)
        after()
    samples = []
    for i in range(rounds):
        started = time.perf_counter()
        call(warmup + i)
        samples.append(time.perf_counter() - started)
        after()
    return p95(samples)


def run_measurements(app, org_id: int, team_ids: list[int], campaign_ids: list[int], logins: dict, args) -> dict:
    from ambassador.extensions import db
    from ambassador.infra.database import finish
    from ambassador.models import Membership, MemberStatus, Organization, PointsEntry, Post
    from ambassador.services.analytics import leaderboard, overview, periods, stamps

    rng = random.Random(args.seed)
    figures: dict[str, dict[str, float]] = {"board": {}, "my rank": {}, "naive": {}, "overview": {}, "page": {},
                                            "afresh": {}}
    with app.app_context():
        org = db.session.get_one(Organization, org_id)
        members = list(db.session.scalars(sa.select(Membership.id).where(
            Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE)))
        today = periods.last_days(org, 1).first_day
        assert today is not None
        windows = {"all": periods.all_time(), "7": periods.last_days(org, 7), "30": periods.last_days(org, 30),
                   "90": periods.last_days(org, 90), "quarter": periods.this_quarter(org),
                   "custom 7d": periods.days_window(org, today - timedelta(days=16), today - timedelta(days=10))}
        scopes = {"-": {}, "team": {"team_id": team_ids[3]}, "kind": {"kind": "external"},
                  "campaign": {"campaign_id": campaign_ids[5]}, "network": {"network": "x"},
                  "all filters": {"team_id": team_ids[3], "kind": "internal", "campaign_id": campaign_ids[3],
                                  "network": "linkedin"}}
        picks = [rng.choice(members) for _ in range(args.rounds + args.warmup)]
        # After each call its transaction ends as a request's does (infra/database.py finish(): a commit when it
        # only read, so psycopg keeps the statements it prepared).
        kw = {"rounds": args.rounds, "warmup": args.warmup, "after": finish}
        # A custom range nobody looked at yet is summed from the cells; looking at it asks the worker to keep
        # standings for it (and its previous period), which its next roll builds (timed here).
        custom = windows["custom 7d"]
        from ambassador.services.analytics import standings

        standings.forget_custom(db.session.connection(), org_id=org_id)  # a kept database (--reuse) built it before
        db.session.commit()
        figures["first view"] = {"custom 7d board (from the cells)": measure(
            lambda i: leaderboard.board(org_id=org_id, window=custom, limit=20, me_id=picks[i], compare=True),
            **{**kw, "warmup": 2})}  # (about a second each: summed from the cells, no plan to settle)
        from ambassador.infra import database
        from ambassador.services.analytics import rebuild as rollup_rebuild

        leaderboard.remember_range(org_id=org_id, window=custom)
        db.session.commit()
        # What the worker's build_asked_ranges job does (it looks every 2 s): one window per transaction, the range
        # itself first, then the period before, then a vacuum; once the range is in use its views are timed.
        built_ms: list[float] = []  # each window's build, in the order built
        started: float | None = None

        def step() -> None:
            nonlocal started
            database.begin_write()  # as the job's step: the window built before is committed
            if started is not None:
                built_ms.append((time.perf_counter() - started) * 1000)
            if len(built_ms) == 1:  # the range itself is in use
                figures["first view"]["custom 7d board, the range built (movement from the cells)"] = measure(
                    lambda i: leaderboard.board(org_id=org_id, window=custom, limit=20, me_id=picks[i],
                                                compare=True), **{**kw, "warmup": 2})
            started = time.perf_counter()

        rollup_rebuild.build_asked(org=org, step=step)
        started = time.perf_counter()
        database.begin_write()
        database.vacuum("standing")
        db.session.commit()
        figures["worker"] = {"custom 7d: the range built (ms)": built_ms[0],
                             "custom 7d: then its previous period (ms)": sum(built_ms[1:]),
                             "custom 7d: then the vacuum (ms)": (time.perf_counter() - started) * 1000}
        for wkey, window in windows.items():
            for skey, scope in scopes.items():
                figures["board"][f"{wkey} × {skey}"] = measure(
                    lambda i, w=window, s=scope: leaderboard.board(org_id=org_id, window=w, limit=20, me_id=picks[i],
                                                                   compare=True, **s), **kw)
            figures["my rank"][wkey] = measure(
                lambda i, w=window: leaderboard.my_rank(org_id=org_id, window=w, membership_id=picks[i]), **kw)
            # The same computed afresh, as after any event: its commit moves the organization's rollup stamp, and
            # every process computes its boards again (services/analytics/board_cache.py); the members stamp stays.
            fresh = {**kw, "after": lambda: (finish(), stamps.bump(db.session.connection(), [org_id]),
                                             db.session.commit())}
            for skey in ("-", "all filters"):
                figures["afresh"][f"board {wkey} × {skey}"] = measure(
                    lambda i, w=window, s=scopes[skey]: leaderboard.board(org_id=org_id, window=w, limit=20,
                                                                          me_id=picks[i], compare=True, **s), **fresh)
            figures["afresh"][f"my rank {wkey}"] = measure(
                lambda i, w=window: leaderboard.my_rank(org_id=org_id, window=w, membership_id=picks[i]), **fresh)
        for wkey in ("7", "30", "90", "all"):
            window = windows[wkey]
            naive = (sa.select(PointsEntry.membership_id, sa.func.sum(PointsEntry.points).label("n"))
                     .where(PointsEntry.org_id == org_id, *window.contains(PointsEntry.created_at))
                     .group_by(PointsEntry.membership_id).order_by(sa.text("n DESC")).limit(20))
            figures["naive"][wkey] = measure(lambda i, q=naive: db.session.execute(q).all(),
                                             rounds=max(3, args.rounds // 3), warmup=1, after=finish)
        for wkey in ("7", "30", "90"):
            figures["overview"][wkey] = measure(
                lambda i, w=windows[wkey]: overview.overview(org_id=org_id, window=w), **kw)
    app.config["WTF_CSRF_ENABLED"] = False  # the bench logs in with a plain form post
    with app.app_context():
        post_id = db.session.scalar(sa.select(sa.func.min(Post.id)).where(Post.campaign_id == campaign_ids[2]))
    # The analytics pages of a post, a campaign and a team (5,000 of the 100,000 members), and the members page;
    # the bench's content was created today, so "since it was created" would hold one day: 30 and 90 days instead.
    pages = {"manager": ["/leaderboard?period=30", "/leaderboard?period=7", "/leaderboard?period=90",
                         "/leaderboard?period=quarter", "/leaderboard?period=all&network=x",
                         f"/leaderboard?period=30&campaign={campaign_ids[2]}", "/overview?period=30",
                         "/overview?period=90", f"/posts/{post_id}/analytics?period=90",
                         f"/campaigns/{campaign_ids[2]}/analytics?period=30",
                         f"/campaigns/{campaign_ids[2]}/analytics?period=90",
                         f"/overview/teams/{team_ids[3]}?period=30", f"/overview/teams/{team_ids[3]}?period=90",
                         "/members"],
             "ambassador": ["/leaderboard?period=30", "/me/activity"]}
    for role, paths in pages.items():
        client = app.test_client()
        client.environ_base["wsgi.url_scheme"] = "https"  # production cookies are Secure
        response = client.post("/login", data={"email": logins[role], "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
        for path in paths:
            def get(_i, p=path, c=client):
                answer = c.get(p)
                assert answer.status_code == 200, (p, answer.status_code)

            figures["page"][f"{role} {path}"] = measure(get, rounds=args.rounds, warmup=args.warmup,
                                                        after=lambda: None)
    return figures


def report(name: str, figures: dict, build_seconds: float, generate_seconds: float, args) -> None:
    load = os.getloadavg()
    print(f"\n{name}: {args.members:,} members, {args.shares:,} shares, {args.clicks:,} clicks, "
          f"{args.ledger:,} ledger rows; generated in {generate_seconds:.0f} s, rollups built in {build_seconds:.0f} s")
    print(f"machine load (1, 5, 15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    print(f"{'what':<58} {'p95 ms':>9}")  # each a p95 over --rounds calls after --warmup ones
    for group, values in figures.items():
        for label, value in values.items():
            print(f"{group + ': ' + label:<58} {value:9.1f}")
    kept = {**figures["board"], **{f"{k} × my rank": v for k, v in figures["my rank"].items()}}
    # Computed afresh: "board 7 × -" → "7 × - (afresh)", "my rank 7" → "7 × my rank (afresh)".
    afresh = {(k.removeprefix("board ") if k.startswith("board ") else f"{k.removeprefix('my rank ')} × my rank")
              + " (afresh)": v for k, v in figures["afresh"].items()}
    # naive/rollup per window: the naive GROUP BY over the raw ledger for that window against the slowest board
    # variant of the same window (every filter, "my rank" included, kept or computed afresh after an event: on a
    # busy organization an event lands every few seconds, so both are what people get); the line gives the
    # lowest of them. The same against kept boards alone is printed too.
    ratios, kept_ratios = {}, {}
    for wkey, naive in figures["naive"].items():
        slowest_kept = max(v for k, v in kept.items() if k.split(" × ")[0] == wkey)
        slowest = max([slowest_kept] + [v for k, v in afresh.items() if k.split(" × ")[0] == wkey])
        ratios[wkey], kept_ratios[wkey] = naive / slowest, naive / slowest_kept
        print(f"naive/rollup {wkey + ' days' if wkey != 'all' else 'all time'}: naive {naive:.1f} ms, "
              f"slowest board {slowest:.1f} ms: {ratios[wkey]:.0f}× (kept boards only: {slowest_kept:.1f} ms, "
              f"{kept_ratios[wkey]:.0f}×)")
    print(f"pages worst p95: {max(figures['page'].values()):.1f} ms")
    print(f"boards computed afresh (after an event) worst p95: {max(figures['afresh'].values()):.1f} ms")
    print(f"kept boards (nothing changed since the last view) worst p95: {max(kept.values()):.1f} ms; "
          f"naive/kept: {min(kept_ratios.values()):.0f}×")
    print(f"overview page p95: {max(v for k, v in figures['page'].items() if '/overview?' in k):.1f} ms")
    print(f"leaderboard worst p95: {max(max(kept.values()), max(afresh.values())):.1f} ms; "
          f"naive/rollup: {min(ratios.values()):.0f}×; overview p95: {max(figures['overview'].values()):.1f} ms")


def main() -> int:
    args = parse_args()
    from ambassador import create_app

    keep = args.keep or args.reuse
    tmp = tempfile.mkdtemp(prefix="ambassador-bench-")
    url, drop = (args.reuse, lambda: None) if args.reuse else create_database(args.database, Path(tmp))
    try:
        app = create_app("production", SQLALCHEMY_DATABASE_URI=url, **OPERATOR)
        from ambassador.extensions import db
        from ambassador.models import utcnow

        with app.app_context():
            db.create_all()  # a kept database (--reuse) gets the tables added since it was generated
            engine = db.engine
        name = "PostgreSQL" if engine.dialect.name == "postgresql" else "SQLite"
        zone = "Europe/Brussels" if name == "PostgreSQL" else "UTC"
        sql = Sql(engine.dialect.name, utcnow().strftime("%Y-%m-%d %H:%M:%S"), zone)
        if args.reuse:
            org_id, team_ids, campaign_ids, logins = reused_objects(app)
            with engine.connect() as conn:
                args.members, args.shares, args.clicks, args.ledger = (
                    conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
                    for table in ("membership", "share", "click", "points_entry"))
            generate_seconds = build_seconds = 0.0
        else:
            print(f"{name}: generating the data set", flush=True)
            started = time.perf_counter()
            org_id, team_ids, campaign_ids, post_base, logins = seed_objects(app, zone)
            generate(engine, sql, org_id, team_ids, post_base, args)
            generate_seconds = time.perf_counter() - started
            print(f"{name}: building rollups", flush=True)
            build_seconds = build_rollups(app, org_id)
        if args.keep:
            print(f"{name}: kept at {url} (measure it again with --reuse '{url}')", flush=True)
        print(f"{name}: measuring", flush=True)
        figures = run_measurements(app, org_id, team_ids, campaign_ids, logins, args)
        report(name, figures, build_seconds, generate_seconds, args)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        if not keep:
            drop()
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
