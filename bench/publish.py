"""Benchmark: the publishing pipeline (claim → publish → record) with two workers on PostgreSQL.

Starts the contract fakes of X, Mastodon, Bluesky and LinkedIn on loopback (each answering after
--delay seconds; --limited of the X/Mastodon/Bluesky accounts may post only --limit times per
--window seconds and then get 429 with the network's reset headers), creates a throwaway
PostgreSQL database, seeds one organization with --accounts members (one linked account each,
tokens encrypted), live posts and --shares due API shares, then runs --workers worker processes,
each looping jobs.publisher.dispatch_due_shares (which keeps its PUBLISH_THREADS threads fed,
claiming one share per account as threads free up) until nothing is due or in flight. Prints
shares/s and the final states, and checks (exit status 1 if one fails):

- every share settled: published, failed or unconfirmed (none left scheduled or publishing);
- no share reached a network twice (each caption names its share; Mastodon by Idempotency-Key too),
  every published share exists exactly once on its network and no failed one exists at all;
- rate limits were honoured: after a 429, at most one request per worker (the calls already in
  flight) arrives before the reset the fake announced to that account.

With `--kill N` a worker is killed (SIGKILL) N times mid-run, each time while it is sending a
batch it claimed, and restarted; the run then reports duplicates on any network (must be 0), the shares left
"unconfirmed", and the calls in flight at the kills (shares marked "sending" by the killed worker):
only those may end unconfirmed (bench/publish_kills.py).

    .venv/bin/python bench/publish.py [--database URL] [--shares 10000] [--accounts 1000]
    .venv/bin/python bench/publish.py --kill 5 --shares 1500 --accounts 200 --delay 0.25

Ends with `publish/limit ratio: X`: the shares/s achieved in the workers' dispatch window (with
--kill: in the wall time) ÷ the latency-bound limit (workers × threads ÷ delay: every thread always
waiting on a stand-in), the median of --rounds full runs (3 by default), each with the load average
at its end.
"""
from __future__ import annotations

import argparse
import base64
import contextlib
import json
import logging
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import publish_kills  # noqa: E402
import publish_setup  # noqa: E402
import sqlalchemy as sa  # noqa: E402

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SETTLED = ("published", "failed", "unconfirmed")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database", default=DEFAULT_SERVER,
                   help="PostgreSQL server URL; a throwaway database is created there and dropped")
    p.add_argument("--shares", type=int, default=10_000)
    p.add_argument("--accounts", type=int, default=1_000)
    p.add_argument("--workers", type=int, default=2, help="worker processes")
    p.add_argument("--threads", type=int, default=8, help="PUBLISH_THREADS per worker")
    p.add_argument("--delay", type=float, default=0.05, help="seconds each fake takes to answer")
    p.add_argument("--limited", type=float, default=0.10, help="share of all accounts that get rate limited")
    p.add_argument("--limit", type=int, default=3, help="posts per window for a rate-limited account")
    p.add_argument("--window", type=float, default=2.0, help="the fakes' rate-limit window (seconds)")
    p.add_argument("--backoff", type=float, default=0.5, help="PUBLISH_BACKOFF_SECONDS")
    p.add_argument("--timeout", type=float, default=900.0, help="give up (and fail) after this many seconds")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--rounds", type=int, default=3,
                   help="full runs (fresh database and fakes each); the publish/limit ratio is their median")
    p.add_argument("--kill", type=int, default=0, metavar="N",
                   help="SIGKILL a worker N times mid-run (workers in turn, each restarted at once), then report "
                        "duplicates, shares left unconfirmed and the calls in flight at the kills")
    p.add_argument("--lease", type=int, default=None,
                   help="PUBLISH_LEASE_SECONDS (default: 4 with --kill, so recovery happens within the run)")
    p.add_argument("--keep", action="store_true",
                   help="keep each round's database (its URL is printed) to look at afterwards; drop it yourself")
    p.add_argument("--worker", help=argparse.SUPPRESS)  # internal: run one worker from this spec file
    return p.parse_args(argv)


# Production refuses to start without TOKEN_KEYS; every process of a run shares this one.
BENCH_TOKEN_KEY = base64.urlsafe_b64encode(b"ambassador-bench-token-key-00000").decode()


def app_config(url: str, settings: dict, args) -> dict:
    lease = {"PUBLISH_LEASE_SECONDS": args["lease"]} if args.get("lease") else {}
    return {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret", "CLICK_SALT": "bench-salt",
            "TOKEN_KEYS": BENCH_TOKEN_KEY,
            "PUBLISH_THREADS": args["threads"],
            "PUBLISH_BACKOFF_SECONDS": args["backoff"], **lease, **settings}


# --- one worker process ------------------------------------------------------------------------------


def run_worker(spec_path: str) -> int:
    """Loop dispatch_due_shares until no share is due or in flight; print counts as JSON."""
    spec = json.loads(Path(spec_path).read_text())
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(process)d %(threadName)s %(levelname)s %(name)s: %(message)s")
    from ambassador import create_app
    from ambassador.extensions import db
    from ambassador.jobs import publisher

    app = create_app("production", **app_config(spec["url"], spec["settings"], spec["args"]))
    waiting = sa.text("SELECT count(*) FROM share JOIN social_account a ON a.id = share.account_id "
                      "WHERE share.method = 'api' AND share.status IN ('scheduled', 'publishing') "
                      "AND a.status = 'active'")
    totals, rounds, idle = Counter(), 0, 0
    profile_dir = os.environ.get("BENCH_PROFILE_DIR")  # cProfile sees this thread only: use --threads 1
    profiler = None
    if profile_dir:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.time()
    with app.app_context():
        while True:
            counts = publisher.dispatch_due_shares(app)
            rounds += 1
            totals.update(counts)
            if counts.get("claimed"):
                continue
            left = db.session.scalar(waiting)
            db.session.commit()
            if not left:
                break
            idle += 1
            time.sleep(0.05)  # shares waiting out a rate limit or a backoff
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(Path(profile_dir) / f"worker-{os.getpid()}.prof")
    print(json.dumps({"started": started, "finished": time.time(), "rounds": rounds, "idle": idle,
                      "counts": dict(totals)}))
    return 0


# --- the run -----------------------------------------------------------------------------------------


def start_worker(spec_path: Path, name: str) -> tuple[subprocess.Popen, Path, Path]:
    out, err = spec_path.parent / f"{name}.out", spec_path.parent / f"{name}.log"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--worker", str(spec_path)],
                                cwd=ROOT, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
    return proc, out, err


def start_workers(n: int, spec: dict, tmp: Path) -> list[tuple[subprocess.Popen, Path, Path]]:
    spec_path = tmp / "worker.json"
    spec_path.write_text(json.dumps(spec))
    return [start_worker(spec_path, f"worker{i}") for i in range(n)]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # children that were waited for
    return usage.ru_utime + usage.ru_stime


def stop_workers(workers) -> None:
    for proc, _out, _err in workers:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


# The tables a run fills from empty: their planner statistics go stale within seconds.
GROWING = ("share", "points_entry", "rollup_cell", "rollup_post_day", "standing", "standing_count")
ANALYZE_EVERY = 5.0  # seconds


def autovacuum_off(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(sa.text("SHOW autovacuum")).scalar() == "off"


def wait_for(workers, engine: sa.Engine, deadline: float, *, analyze: bool = False) -> bool:
    """Wait until every worker exited (True) or the deadline passed (False); progress on stderr. With `analyze`
    (the server's autovacuum is off), ANALYZE the tables the run fills every ANALYZE_EVERY seconds, as autovacuum
    would in production: without it the planner takes the ledger for empty and reads all of it per batch."""
    next_report = time.monotonic() + 15
    next_analyze = time.monotonic() + ANALYZE_EVERY
    while any(proc.poll() is None for proc, _o, _e in workers):
        if time.monotonic() > deadline:
            return False
        if time.monotonic() >= next_report:
            print(f"  … {publish_setup.unsettled(engine)} shares not settled yet", file=sys.stderr, flush=True)
            next_report += 15
        if analyze and time.monotonic() >= next_analyze:
            with engine.connect() as conn:
                existing = set(sa.inspect(conn).get_table_names())
                conn.execute(sa.text("ANALYZE " + ", ".join(t for t in GROWING if t in existing)))
                conn.commit()
            next_analyze = time.monotonic() + ANALYZE_EVERY
        time.sleep(0.2)
    return True


def database_cpu() -> float | None:
    """CPU seconds used so far by this machine's PostgreSQL processes (ended backends included, through the
    postmaster's children times); None when there is none here to read."""
    ticks, found = 0, False
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)
            name = fields[0].split("(", 1)[1]
        except (OSError, IndexError):
            continue
        if name in ("postgres", "postmaster"):
            values = fields[1].split()
            ticks += sum(int(v) for v in values[11:15])  # utime stime cutime cstime
            found = True
    return ticks / os.sysconf("SC_CLK_TCK") if found else None


def check(states: dict, fakes: dict, limits: dict, *, workers: int, killed: bool = False) -> list[str]:
    """What went wrong, in words (empty: all checks passed)."""
    problems = []
    stuck = Counter(status for _n, status, _k in states.values() if status not in SETTLED)
    if stuck:
        problems.append(f"shares not settled: {dict(stuck)}")
    # No fault is injected and rate limits end within seconds: anything but published is a pipeline bug
    # (killed workers leave "unconfirmed" shares: publish_kills.report weighs those).
    unpublished = Counter((network, status, kind) for network, status, kind in states.values()
                          if status in SETTLED and status != "published" and not (killed and status == "unconfirmed"))
    if unpublished:
        problems.append(f"shares not published though no fault was injected: {dict(unpublished)}")
    posts = publish_setup.network_posts(fakes)
    for network, counts in posts.items():
        twice = {key: n for key, n in counts.items() if n > 1}
        if twice:
            problems.append(f"{network}: {len(twice)} shares posted more than once, e.g. {next(iter(twice.items()))}")
        strangers = counts.get("?", 0) + sum(1 for key in counts if key != "?" and key not in states)
        if strangers:
            problems.append(f"{network}: {strangers} posts that belong to no share")
    mismatched = [(key, network, status, posts[network].get(key, 0)) for key, (network, status, _k) in states.items()
                  if status == "published" and posts[network].get(key, 0) != 1
                  or status == "failed" and posts[network].get(key, 0)]
    if mismatched:
        key, network, status, there = mismatched[0]
        problems.append(f"{len(mismatched)} shares disagree with their network, e.g. {key} is {status} but "
                        f"{there} posts exist on {network}")
    mastodon = fakes["mastodon"]
    keys = [s["idempotency_key"] for s in mastodon.statuses]
    if len(set(keys)) != len(keys) or None in keys:
        problems.append(f"mastodon: {len(keys)} statuses for {len(set(keys))} distinct Idempotency-Keys")
    if limits["worst_episode"] > workers:
        problems.append(f"rate limits: an account got {limits['worst_episode']} requests within one announced "
                        f"wait (at most {workers}, one per worker, may already be in flight)")
    return problems


def report(args, seeded: dict, states: dict, fakes: dict, limits: dict, wall: float, outputs: list) -> None:
    statuses = Counter(status for _n, status, _k in states.values())
    settled = sum(n for status, n in statuses.items() if status in SETTLED)
    window = (max(o["finished"] for o in outputs) - min(o["started"] for o in outputs)) if outputs else float("nan")
    counts = Counter()
    for output in outputs:
        counts.update(output["counts"])
    print(f"\nPostgreSQL, {args.workers} worker processes × PUBLISH_THREADS={args.threads}, "
          f"{seeded['accounts']} accounts ({dict(seeded['by_network'])} shares), {seeded['posts']} posts, "
          f"fakes answer after {args.delay * 1000:.0f} ms")
    print(f"shares: {seeded['shares']}   settled: {settled}   wall {wall:.1f} s → {settled / wall:.0f} shares/s "
          f"(workers' own dispatch window {window:.1f} s → {settled / window:.0f} shares/s)")
    print(f"final states: {dict(sorted(statuses.items()))}")
    kinds = Counter(kind for _n, status, kind in states.values() if status != "published")
    if kinds:
        print(f"error kinds of the unpublished: {dict(kinds)}")
    print(f"worker outcomes: {dict(sorted(counts.items()))}; dispatch_due_shares calls per worker: "
          f"{[o['rounds'] for o in outputs]} (of which found nothing due: {[o['idle'] for o in outputs]})")
    calls = {name: sum(1 for c in fake.calls if c["endpoint"] in fake.limited_endpoints)
             for name, fake in fakes.items()}
    print(f"publish requests received by the networks: {calls}")
    print(f"rate limits: {seeded['limited_accounts']} accounts limited to {args.limit} posts / {args.window:g} s; "
          f"{limits['limited_requests']} requests from them, {limits['told_spent']} told no call was left until a "
          f"reset (remaining 0), {limits['answered_429']} answered 429 (most for one account: "
          f"{limits['worst_account_429']}); {limits['premature']} arrived before the announced reset (most within "
          f"one wait: {limits['worst_episode']})")
    print(f"429s by network (all, of which with a reset already past when answered): {limits['by_network']}")


def limit_rate(args) -> float:
    """The latency-bound limit: every thread of every worker always waiting on a stand-in."""
    return args.workers * args.threads / args.delay


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker:
        return run_worker(args.worker)
    rounds = []  # (ratio, shares/s, load average at the end, failed)
    for round_no in range(1, max(args.rounds, 1) + 1):
        if args.rounds > 1:
            print(f"\n=== round {round_no} of {args.rounds} (load average {os.getloadavg()[0]:.1f}) ===", flush=True)
        failed, rate = run_round(args)
        rounds.append((rate / limit_rate(args), rate, os.getloadavg()[0], failed))
    ratios = sorted(ratio for ratio, _rate, _load, _failed in rounds)
    median = statistics.median(ratios)
    print(f"\npublish/limit ratio: {median:.2f} (median of {len(rounds)} rounds: achieved shares/s ÷ "
          f"({args.workers} workers × {args.threads} threads ÷ {args.delay:g} s) = "
          + ", ".join(f"{rate:.0f}/{limit_rate(args):.0f} at load {load:.1f}" for _r, rate, load, _f in rounds)
          + f"; load average now {', '.join(f'{x:.1f}' for x in os.getloadavg())})")
    return 1 if any(failed for *_rest, failed in rounds) else 0


def run_round(args) -> tuple[bool, float]:
    """One full run: fresh fakes and database, the workers, the report and checks. (failed, shares/s)"""
    from ambassador import create_app
    from tests.conftest import _postgres_database

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the fakes' request log
    deadline = time.monotonic() + args.timeout
    fakes = publish_setup.make_fakes(delay=args.delay, limit=args.limit, window=args.window)
    workers, outputs, timed_out = [], [], False
    with tempfile.TemporaryDirectory(prefix="ambassador-publish-") as tmp, contextlib.ExitStack() as stack:
        for fake in fakes.values():
            stack.enter_context(fake.running())
        url, drop = _postgres_database(args.database)
        if args.keep:
            print(f"the database is kept for a look afterwards: {url}", file=sys.stderr, flush=True)
        else:
            stack.callback(drop)
        settings = publish_setup.app_settings(fakes)
        if args.lease is None and args.kill:
            args.lease = 4
        worker_args = {"threads": args.threads, "backoff": args.backoff, "lease": args.lease}
        app = create_app("production", **app_config(url, settings, worker_args))
        started = time.monotonic()
        seeded = publish_setup.seed(app, fakes, accounts=args.accounts, shares=args.shares,
                                    limited_share=args.limited, rng=random.Random(args.seed))
        print(f"seeded {seeded['shares']} due shares for {seeded['accounts']} accounts in "
              f"{time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
        engine = sa.create_engine(url)
        stack.callback(engine.dispose)
        analyze = autovacuum_off(engine)
        if analyze:
            print(f"autovacuum is off on this server: the bench analyzes {', '.join(GROWING)} every "
                  f"{ANALYZE_EVERY:.0f} s, as autovacuum would", file=sys.stderr, flush=True)
        started, cpu = time.monotonic(), (time.process_time(), _children_cpu(), database_cpu())
        workers = start_workers(args.workers, {"url": url, "settings": settings, "args": worker_args}, Path(tmp))
        stack.callback(stop_workers, workers)
        killed = []  # the killed incarnations (their leases are recovered by the others)
        stack.callback(stop_workers, killed)
        kills = publish_kills.kill_rounds(args.kill, workers, killed, engine, deadline=deadline,
                                          restart=lambda name: start_worker(Path(tmp) / "worker.json", name),
                                          rng=random.Random(args.seed)) if args.kill else []
        timed_out = not wait_for(workers, engine, deadline, analyze=analyze)
        wall = time.monotonic() - started
        stop_workers(workers)
        database_now = database_cpu()
        cpu = {"fakes": time.process_time() - cpu[0], "workers": _children_cpu() - cpu[1],
               "database": None if database_now is None or cpu[2] is None else database_now - cpu[2]}
        failures = []
        for i, (proc, out, err) in enumerate(workers):
            lines = out.read_text().strip().splitlines()
            if proc.returncode == 0 and lines:
                outputs.append(json.loads(lines[-1]))
            elif not timed_out:
                failures.append(f"worker {i} exited with {proc.returncode}; log tail:\n"
                                + "\n".join(err.read_text(errors="replace").splitlines()[-15:]))
        log_lines = [line for _p, _o, err in workers + killed
                     for line in err.read_text(errors="replace").splitlines()]
        states = publish_setup.share_states(url)
        paced = publish_setup.pace(url)
        failures += publish_setup.standings_problems(url)
        engine.dispose()
    limits = publish_setup.limit_summary(fakes)
    report(args, seeded, states, fakes, limits, wall, outputs)
    shares = max(len(states), 1)
    database = ("" if cpu["database"] is None
                else f", PostgreSQL (this machine) {cpu['database'] / shares * 1000:.1f} ms")
    print(f"CPU per share: workers {cpu['workers'] / shares * 1000:.1f} ms, fakes (this process) "
          f"{cpu['fakes'] / shares * 1000:.1f} ms{database}; {os.cpu_count()} cores, load average at the end "
          f"{os.getloadavg()[0]:.1f} (other processes slow this down)")
    if paced is not None:
        print(f"pace: the middle 80% of publications went out at {paced['rate']:.0f} shares/s "
              f"({paced['rate'] / limit_rate(args):.2f} of the limit) over {paced['steady']:.1f} s; the first 10% took "
              f"{paced['head']:.1f} s from the first call, the last 10% {paced['tail']:.1f} s (the accounts whose turn "
              f"came last, at their own pace: one share at a time, rate limits)")
    warnings = [line for line in log_lines if " WARNING " in line or " ERROR " in line]
    print(f"warnings/errors in the workers' logs: {len(warnings)}"
          + "".join(f"\n  {line[:300]}" for line in warnings[:8]))
    problems = check(states, fakes, limits, workers=args.workers, killed=bool(args.kill)) + failures
    if args.kill:
        problems += publish_kills.report(kills, states, publish_setup.network_posts(fakes), fakes["mastodon"])
    if timed_out:
        problems.insert(0, f"timed out after {args.timeout:.0f} s with work left")
    for problem in problems:
        print(f"FAILED: {problem}")
    if not problems:
        print("checks: all settled, nothing posted twice, rate limits honoured"
              + ("" if limits["reached"] else " (none was reached: the check had nothing to catch)")
              + ", standings equal the ledger: passed")
        if not limits["reached"]:
            print("note: no limited account reached its limit in this run (accounts take turns, so each one's shares "
                  "go out a round apart); a limit below one post per round, e.g. --limit 1 --window 5, exercises it")
    return bool(problems), dispatch_rate(states, outputs, wall=wall if args.kill else None)


def dispatch_rate(states: dict, outputs: list, *, wall: float | None = None) -> float:
    """Settled shares per second of the workers' own dispatch window (first start to last finish,
    so without the processes' start-up and imports); with --kill, of the wall time (a killed
    worker reports nothing, so the window would leave out the time before the last restart)."""
    settled = sum(1 for _n, status, _k in states.values() if status in SETTLED)
    if wall is not None:
        return settled / wall
    if not outputs:
        return 0.0
    return settled / (max(o["finished"] for o in outputs) - min(o["started"] for o in outputs))


if __name__ == "__main__":
    sys.exit(main())
