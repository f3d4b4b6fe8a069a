"""Benchmark: finding who is due a digest among N members, and sending digests, on a throwaway database.

Seeds one organization with N active members (all daily, half in Europe/Brussels, half in America/New_York),
a campaign with 20 live posts, rolls the leaderboard standings as the worker does (the digest's rank is one
indexed count in them; before the first roll it is summed from the cells, ~40x slower at 100k), then
measures, with DIGEST_LOCAL_HOUR 0 so every member is due:
  1. reading every due (member, period) through `digests.due()` — keyset batches of BATCH ids, never all
     members at once (time, queries, peak Python memory);
  2. sending the first SEND digests through `digests.send_digest` as the job does (each committed).
Prints the figures and the machine load; asserts nothing.

    python bench/digests.py                     # 100,000 members, SQLite in a temp dir
    python bench/digests.py --members 20000 --send 200
    DATABASE_URL=postgresql+psycopg://... python bench/digests.py
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import sqlalchemy as sa  # noqa: E402

from ambassador import create_app  # noqa: E402
from ambassador.extensions import db  # noqa: E402
from ambassador.infra import database  # noqa: E402
from ambassador.infra.tokens import new_token  # noqa: E402
from ambassador.models import Campaign, Membership, Organization, Post, User, utcnow  # noqa: E402
from ambassador.services.analytics import rebuild as rollup_rebuild  # noqa: E402
from ambassador.services.notify import digest_content, digests  # noqa: E402


def seed(members: int) -> None:
    org = Organization(name="Bench", slug="bench", join_token=new_token())
    db.session.add(org)
    db.session.flush()
    campaign = Campaign(org_id=org.id, title="Spring", slug="spring", status="active")
    db.session.add(campaign)
    db.session.flush()
    now = utcnow()
    for n in range(20):
        db.session.add(Post(org_id=org.id, campaign_id=campaign.id, title=f"Post {n}", status="approved",
                            link_url=f"https://example.com/{n}", published_at=now - timedelta(hours=n + 1)))
    db.session.commit()
    chunk = 5000
    for start in range(0, members, chunk):
        users = [{"email": f"m{n}@bench.test", "name": f"Member {n}", "session_version": 1, "created_at": now,
                  "timezone": "Europe/Brussels" if n % 2 else "America/New_York"}
                 for n in range(start, min(members, start + chunk))]
        db.session.execute(sa.insert(User), users)
        ids = db.session.scalars(sa.select(User.id).where(User.email.in_([u["email"] for u in users]))).all()
        db.session.execute(sa.insert(Membership), [
            {"org_id": org.id, "user_id": uid, "role": "ambassador", "kind": "internal", "status": "active",
             "queue_times": "08:30", "source": "bench", "digest_frequency": "daily", "created_at": now}
            for uid in ids])
        db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--send", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
        app = create_app("test", SQLALCHEMY_DATABASE_URI=url, PUBLIC_BASE_URL="https://bench.example",
                         DIGEST_LOCAL_HOUR=0)
        with app.app_context():
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            seed(args.members)
            org = db.session.scalar(sa.select(Organization))
            database.begin_write()
            rollup_rebuild.roll_standings(org=org)  # the 7-day standings, as the worker keeps them
            db.session.commit()
            print(f"seeded {args.members:,} members in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})")

            statements = []
            sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
            tracemalloc.start()
            started = time.perf_counter()
            due = sum(len(batch) for batch in digests.due())
            elapsed = time.perf_counter() - started
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"due(): {due:,} members due in {elapsed:.2f} s, {len(statements)} queries "
                  f"(batches of {digests.BATCH}), peak Python memory {peak / 1e6:.1f} MB")

            facts = digest_content.OrgFacts()
            pairs = [pair for batch in digests.due() for pair in batch][:args.send]
            started = time.perf_counter()
            outcomes: dict[str, int] = {}
            for membership_id, period in pairs:
                database.begin_write()
                outcome = digests.send_digest(membership_id=membership_id, period=period, facts=facts)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
            db.session.commit()
            elapsed = time.perf_counter() - started
            print(f"send_digest: {len(pairs)} digests in {elapsed:.2f} s ({1000 * elapsed / max(1, len(pairs)):.1f} ms "
                  f"each, {outcomes})")
            db.drop_all()
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
