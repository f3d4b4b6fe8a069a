"""Benchmark: a challenge's live board (top 20 + "my position") and its winners, read with one grouped
statement over the rollup cells of the challenge's days — on the data set bench/leaderboard.py generates.

    python bench/challenges.py                       # SQLite: 10k members, 1M ledger rows (as leaderboard.py)
    python bench/challenges.py --members 2000 --ledger 100000 --shares 5000 --clicks 20000   # a quick run
    python bench/challenges.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/challenges.py --reuse URL           # a database an earlier `leaderboard.py --keep` generated

Measures (after warm-up, p95 over --rounds): individual boards over 7 and 30 days (shares, points), a team
board (20 teams, points, 30 days), the winners query the worker runs at the end, each with the viewer's row.
Prints a table, the machine load and the line `challenge board worst p95: X ms`.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import leaderboard as lb  # noqa: E402  (bench/leaderboard.py: the data set and its helpers)


def challenges(app, org_id: int, team_ids: list[int]) -> dict[str, int]:
    from ambassador.extensions import db
    from ambassador.models import Challenge, Organization, Team
    from ambassador.services.community.points import local_day

    with app.app_context():
        today = local_day(db.session.get_one(Organization, org_id))
        made = {}
        for name, goal, mode, days, teams in (("shares, 7 days", "shares", "individual", 7, []),
                                              ("points, 30 days", "points", "individual", 30, []),
                                              ("clicks, 30 days, 2 teams' members", "clicks", "individual", 30,
                                               team_ids[:2]),
                                              ("team points, 30 days, 20 teams", "points", "team", 30, [])):
            item = Challenge(org_id=org_id, title=name, goal=goal, mode=mode, status="running",
                             first_day=today - timedelta(days=days - 1), last_day=today,
                             teams=list(db.session.scalars(db.select(Team).where(Team.id.in_(teams)))))
            db.session.add(item)
            db.session.flush()
            made[name] = item.id
        db.session.commit()
    return made


def main() -> int:
    args = lb.parse_args()
    from ambassador import create_app

    tmp = tempfile.mkdtemp(prefix="ambassador-bench-")
    url, drop = (args.reuse, lambda: None) if args.reuse else lb.create_database(args.database, Path(tmp))
    try:
        app = create_app("production", SQLALCHEMY_DATABASE_URI=url, **lb.OPERATOR)
        from ambassador.extensions import db
        from ambassador.infra.database import finish
        from ambassador.models import Challenge, Membership, utcnow
        from ambassador.services.challenges import scores

        with app.app_context():
            if not args.reuse:
                db.create_all()
            engine = db.engine
        name = "PostgreSQL" if engine.dialect.name == "postgresql" else "SQLite"
        zone = "Europe/Brussels" if name == "PostgreSQL" else "UTC"
        if args.reuse:
            org_id, team_ids, _campaigns, _logins = lb.reused_objects(app)
        else:
            print(f"{name}: generating the data set", flush=True)
            sql = lb.Sql(engine.dialect.name, utcnow().strftime("%Y-%m-%d %H:%M:%S"), zone)
            org_id, team_ids, _campaigns, post_base, _logins = lb.seed_objects(app, zone)
            lb.generate(engine, sql, org_id, team_ids, post_base, args)
            print(f"{name}: building rollups", flush=True)
            lb.build_rollups(app, org_id)
        made = challenges(app, org_id, team_ids)
        print(f"{name}: measuring", flush=True)
        rows = []
        with app.app_context():
            members = list(db.session.scalars(db.select(Membership.id).where(Membership.org_id == org_id)
                                              .order_by(Membership.id)))
            cells = db.session.scalar(db.text("SELECT count(*) FROM rollup_cell"))
            for title, cid in made.items():
                item = db.session.get_one(Challenge, cid)

                def board(i: int, item=item) -> object:
                    return scores.board(item, limit=20, me_id=members[(i * 7919) % len(members)])

                def winners(_i: int, item=item) -> object:
                    return scores.leaders(item)

                rows.append((title, lb.measure(board, rounds=args.rounds, warmup=args.warmup,
                                               after=finish),
                             lb.measure(winners, rounds=max(3, args.rounds // 3), warmup=1,
                                        after=finish)))
            db.session.remove()
            db.engine.dispose()
        load = os.getloadavg()
        print(f"\n{name}: {len(members):,} members, {cells:,} rollup cells; load {load[0]:.2f} {load[1]:.2f} "
              f"{load[2]:.2f} on {os.cpu_count()} CPUs")
        print(f"{'challenge':40} {'board+me p95 ms':>16} {'winners p95 ms':>15}")
        for title, board_ms, winners_ms in rows:
            print(f"{title:40} {board_ms:16.1f} {winners_ms:15.1f}")
        print(f"challenge board worst p95: {max(r[1] for r in rows):.1f} ms")
    finally:
        if not args.keep:
            drop()
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    print(f"(total {time.perf_counter() - started:.0f} s)")
    sys.exit(code)
