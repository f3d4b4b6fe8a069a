"""Benchmark: the standings fan-out alone — what the publishing worker's recorder runs for each batch of queued
shares (services/analytics/standing_events.py) — on a database `bench/leaderboard.py --keep` generated
(PostgreSQL, 100,000 members, about 9.6M standings).

    python bench/leaderboard.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test --keep
    python bench/standings_fan.py --reuse URL                   # the standings' key as the models have it
    python bench/standings_fan.py --reuse URL --keys old,new    # the key before i15stkey0001, then today's

Each round adds one batch — --members random members × the five rolling windows ("all", 7, 30, 90 days, the
quarter), each in a random campaign and network: about 40 standing upserts per member and their count moves — in
a transaction that is rolled back, so every round starts from the same standings. With --keys the standings'
primary key is switched on the kept database before each key's rounds (ALTER TABLE, then VACUUM ANALYZE), and
left as the models have it at the end. Prints each round's milliseconds and, last, the median per key over
all its rounds (the first round after each switch left out: it reads the table into memory).
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402
from leaderboard import OPERATOR, reused_objects  # noqa: E402

KEYS = {  # the standings' primary key: before migration i15stkey0001 ("old", with its own member index), today
    "old": ("org_id", "window", "campaign_id", "network", "team_id", "membership_id"),
    "new": ("membership_id", "org_id", "window", "campaign_id", "network", "team_id"),
}
WINDOWS = ("all", "7", "30", "90", "quarter")
NETWORKS = ("linkedin", "x", "bluesky", "mastodon")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reuse", metavar="URL", required=True, help="a PostgreSQL database bench/leaderboard.py kept")
    p.add_argument("--keys", default="", help="comma-separated: old, new (default: measure the key as it is)")
    p.add_argument("--members", type=int, default=460, help="members per batch (× 5 windows = its events)")
    p.add_argument("--rounds", type=int, default=8)
    p.add_argument("--seed", type=int, default=7)
    return p.parse_args()


def switch_key(engine: sa.Engine, key: str) -> None:
    columns = ", ".join(f'"{name}"' for name in KEYS[key])
    member_index = ("CREATE INDEX IF NOT EXISTS ix_standing_member ON standing (membership_id)" if key == "old"
                    else "DROP INDEX IF EXISTS ix_standing_member")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"ALTER TABLE standing DROP CONSTRAINT pk_standing, "
                             f"ADD CONSTRAINT pk_standing PRIMARY KEY ({columns})")
        conn.exec_driver_sql(member_index)
        conn.exec_driver_sql("VACUUM ANALYZE standing")


def current_key(engine: sa.Engine) -> str:
    found = tuple(sa.inspect(engine).get_pk_constraint("standing")["constrained_columns"])
    return next((name for name, columns in KEYS.items() if columns == found), ",".join(found))


def measure(app, org_id: int, campaign_ids: list[int], args: argparse.Namespace) -> list[float]:
    from ambassador.extensions import db
    from ambassador.models import Membership, MemberStatus
    from ambassador.services.analytics import standing_events, standings
    from ambassador.services.analytics.standing_queue import Addition, merged

    rng = random.Random(args.seed)
    with app.app_context():
        members = list(db.session.scalars(sa.select(Membership.id).where(
            Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE)))
        times = []
        for _round in range(args.rounds):
            additions = merged([
                Addition(org_id, window, member, rng.choice(campaign_ids), rng.choice(NETWORKS), 10, 1, 0)
                for member in rng.sample(members, args.members) for window in WINDOWS])
            conn = db.session.connection()
            standings.built_windows(conn, {org_id}, lock=True)  # the share locks the recorder takes first
            started = time.perf_counter()
            standing_events.add(conn, additions)
            times.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
        return times


def main() -> int:
    args = parse_args()
    from ambassador import create_app

    app = create_app("production", SQLALCHEMY_DATABASE_URI=args.reuse, **OPERATOR)
    from ambassador.extensions import db

    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "postgresql":
            print("standings_fan.py measures PostgreSQL's fan-out: give it a PostgreSQL database", file=sys.stderr)
            return 2
        modelled = current_key(engine)
    org_id, _teams, campaign_ids, _logins = reused_objects(app)
    keys = [key.strip() for key in args.keys.split(",") if key.strip()] or [modelled]
    kept: dict[str, list[float]] = {}
    for key in keys:
        if key not in KEYS and key != modelled:
            print(f"unknown key {key!r}: old or new", file=sys.stderr)
            return 2
        if key != current_key(engine):
            switch_key(engine, key)
        times = measure(app, org_id, campaign_ids, args)
        kept.setdefault(key, []).extend(times[1:] or times)
        print(f"key {key} ({', '.join(KEYS.get(key, ()))}): " + " ".join(f"{t:.0f}" for t in times) + " ms")
    if args.keys and current_key(engine) != "new":
        switch_key(engine, "new")  # as the models have it
    load = " ".join(f"{n:.2f}" for n in os.getloadavg())
    print(f"machine load (1, 5, 15 min): {load}")
    print(f"standings fan-out of {args.members * len(WINDOWS)} events, median of each key's rounds: "
          + "; ".join(f"key {key} {statistics.median(times):.0f} ms ({len(times)} rounds)"
                      for key, times in kept.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
