"""Benchmark: the short-link redirect /s/<code> against the app's cheapest route /ping.

Creates a fresh database (SQLite file in a temp dir, or a throwaway database on the
PostgreSQL server named by --database), seeds an organization with N tracked links,
serves the app with gunicorn as in production (gunicorn.conf.py, 2 workers, loopback),
drives both routes with the same load generator in alternating rounds, then stops
gunicorn gracefully (SIGTERM) and checks that every click that should count was stored.

    python bench/redirect.py
    python bench/redirect.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test
"""
from __future__ import annotations

import argparse
import base64
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import loadgen  # noqa: E402
import sqlalchemy as sa  # noqa: E402

SECRET = "bench-secret-" + uuid.uuid4().hex
# What production refuses to start without (ambassador/startup.py), as an operator sets it.
OPERATOR = {"SECRET_KEY": SECRET, "PUBLIC_BASE_URL": "https://amb.bench.example",
            "TOKEN_KEYS": base64.urlsafe_b64encode(uuid.uuid4().bytes * 2).decode()}
BROWSER = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/124.0.0.0 Safari/537.36 visitor/{n}")
BOTS = ("LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)", "Twitterbot/1.0",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Mastodon/4.2.8 (http.rb/5.1.1; +https://mastodon.social/)", "Slackbot-LinkExpanding 1.0")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database", help="PostgreSQL server URL (a throwaway database is created there); "
                                      "default: a SQLite file in a temp dir")
    p.add_argument("--links", type=int, default=200)
    p.add_argument("--visitors", type=int, default=3000)
    p.add_argument("--requests", type=int, default=8000, help="requests per route")
    p.add_argument("--rounds", type=int, default=8, help="alternating /ping and /s/<code> rounds")
    p.add_argument("--seconds", type=float, default=60.0, help="time limit per route")
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--flush-interval", type=float, default=1.0,
                   help="CLICK_FLUSH_INTERVAL for the server (30 leaves most clicks to the exit flush)")
    p.add_argument("--seed", type=int, default=7)
    return p.parse_args()


# --- database --------------------------------------------------------------------------------------------------

def create_database(server_url: str | None, tmp: Path):
    """Return (url, drop) for a fresh database: the test harness's throwaway PostgreSQL database."""
    if not server_url:
        return f"sqlite:///{tmp / 'bench.db'}", lambda: None
    from tests.conftest import _postgres_database

    return _postgres_database(server_url)


def seed(url: str, n_links: int) -> list[tuple[str, str]]:
    """Schema + one organization, 20 members, posts and tracked links; returns [(code, network)]."""
    from ambassador import create_app
    from ambassador.extensions import db
    from ambassador.infra.tokens import new_token
    from ambassador.models import Campaign, Membership, Organization, Post, User
    from ambassador.services.publishing.tracked_links import link_for

    app = create_app("production", SQLALCHEMY_DATABASE_URI=url, **OPERATOR)
    with app.app_context():
        db.create_all()
        org = Organization(name="Bench", slug="bench", join_token=new_token())
        db.session.add(org)
        db.session.flush()
        members = []
        for i in range(20):
            user = User(email=f"member{i}@bench.test", name=f"Member {i}")
            db.session.add(user)
            db.session.flush()
            members.append(Membership(org_id=org.id, user_id=user.id, role="ambassador"))
        db.session.add_all(members)
        campaign = Campaign(org_id=org.id, title="Bench", slug="bench", status="active")
        db.session.add(campaign)
        db.session.flush()
        networks = ("linkedin", "x", "facebook", "bluesky")
        links = []
        while len(links) < n_links:
            post = Post(org_id=org.id, campaign_id=campaign.id, title=f"Post {len(links)}", status="approved",
                        link_url=f"https://example.com/article/{len(links)}?lang=nl")
            db.session.add(post)
            db.session.flush()
            for member in members:
                network = networks[len(links) % len(networks)]
                links.append(link_for(membership=member, post=post, network=network))
        links = links[:n_links]
        result = [(link.code, link.network) for link in links]
        db.session.commit()
        db.engine.dispose()
    return result


def count_clicks(url: str) -> tuple[int, int]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        clicks = conn.exec_driver_sql("SELECT count(*) FROM click").scalar_one()
        points = conn.exec_driver_sql("SELECT coalesce(sum(points), 0) FROM points_entry").scalar_one()
    engine.dispose()
    return clicks, points


# --- server ----------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, port: int, args, log_path: Path) -> subprocess.Popen:
    workers = args.workers
    env = {**os.environ, "AMBASSADOR_ENV": "production", **OPERATOR, "DATABASE_URL": url,
           "CLICK_SALT": "bench-salt", "CLICK_FLUSH_INTERVAL": str(args.flush_interval), "TRUSTED_PROXIES": "1"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([str(gunicorn), "-c", "gunicorn.conf.py", "--workers", str(workers),
                             "--bind", f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}; see {log_path}")
        try:
            # warm every worker's imports: several connections in a row
            result = loadgen.run("127.0.0.1", port, [loadgen.Request("GET", "/ping")] * 50, connections=workers * 2,
                                 max_seconds=5)
            if result.statuses.get(200) == 50:
                return proc
        except OSError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit(f"gunicorn did not answer within 30 s; see {log_path}")


def stop_gunicorn(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGTERM)  # graceful: workers finish, worker_exit flushes clicks
    try:
        return proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def worker_cpu_seconds(master_pid: int) -> float:
    """User + system CPU of the gunicorn workers (Linux /proc), flusher threads included."""
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    except OSError:
        return float("nan")
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


# --- load ------------------------------------------------------------------------------------------------------

def visitor_headers(n: int, ua: str) -> tuple[tuple[str, str], ...]:
    """Visitor n's browser and address: gunicorn runs behind one trusted proxy (TRUSTED_PROXIES=1), as
    in production, which names the client in X-Forwarded-For (198.18.0.0/15, the benchmarking range:
    a header only, nothing is sent there). Clicks are counted per visitor address."""
    return (("User-Agent", ua), ("X-Forwarded-For", f"198.18.{n // 256 % 256}.{n % 256}"))


def redirect_requests(links: list[tuple[str, str]], n: int, visitors: int, rng: random.Random):
    """Mostly distinct visitors, some repeat visitors, ~8% previews/bots and ~2% HEAD requests."""
    requests, seen = [], []
    for _ in range(n):
        roll = rng.random()
        code, _network = rng.choice(links)
        visitor = rng.randrange(visitors)
        if roll < 0.08:
            ua, method = rng.choice(BOTS), "GET"
        elif roll < 0.10:
            ua, method = BROWSER.format(n=visitor), "HEAD"
        elif roll < 0.30 and seen:
            code, visitor = rng.choice(seen)  # the same visitor on the same link again
            ua, method = BROWSER.format(n=visitor), "GET"
        else:
            ua, method = BROWSER.format(n=visitor), "GET"
            seen.append((code, visitor))
        countable = method == "GET" and ua.startswith("Mozilla/5.0 (Windows")
        requests.append(loadgen.Request(method, f"/s/{code}", visitor_headers(visitor, ua),
                                        tag=(code, visitor) if countable else None))
    return requests


def run_rounds(proc: subprocess.Popen, port: int, ping: list, redirect: list, args):
    """Alternate /ping and /s/<code> rounds so both see the same background load."""
    totals = {"ping": loadgen.Result(), "redirect": loadgen.Result()}
    cpu = {"ping": 0.0, "redirect": 0.0}
    ratios = []
    per_round = args.seconds / args.rounds
    for ping_part, redirect_part in zip(loadgen.chunks(ping, args.rounds), loadgen.chunks(redirect, args.rounds),
                                           strict=True):
        rounds = {}
        for name, part in (("ping", ping_part), ("redirect", redirect_part)):
            before = worker_cpu_seconds(proc.pid)
            rounds[name] = loadgen.run("127.0.0.1", port, part, connections=args.connections, max_seconds=per_round)
            cpu[name] += worker_cpu_seconds(proc.pid) - before
            totals[name].merge(rounds[name])
        if rounds["ping"].throughput:
            ratios.append(rounds["redirect"].throughput / rounds["ping"].throughput)
    for name, result in totals.items():
        result.cpu_per_request = cpu[name] / result.count if result.count else float("nan")
    return totals["ping"], totals["redirect"], ratios


def report(name: str, result: loadgen.Result) -> None:
    print(f"{name:<12} {result.count:>8} {result.throughput:>10.0f} {result.percentile(50) * 1000:>9.2f} "
          f"{result.percentile(99) * 1000:>9.2f} {result.cpu_per_request * 1e6:>12.0f}"
          f"   statuses {dict(sorted(result.statuses.items()))}"
          f"{f', errors {result.errors}' if result.errors else ''}")


def main() -> int:
    args = parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="ambassador-bench-") as tmp:
        url, drop = create_database(args.database, Path(tmp))
        try:
            links = seed(url, args.links)
            port = free_port()
            proc = start_gunicorn(url, port, args, Path(tmp) / "gunicorn.log")
            try:
                ping = [loadgen.Request("GET", "/ping", visitor_headers(0, BROWSER.format(n=0)))] * args.requests
                ping_result, redirect_result, ratios = run_rounds(
                    proc, port, ping, redirect_requests(links, args.requests, args.visitors, rng), args)
            finally:
                exit_code = stop_gunicorn(proc)
            log_lines = (Path(tmp) / "gunicorn.log").read_text(errors="replace").splitlines()
            log_tail = log_lines[-5:]
            if os.environ.get("BENCH_SHOW_LOG"):
                print("\n".join(log_lines[-15:]))
            flushed_on_exit = sum(int(m.group(1)) for line in log_lines
                                  if (m := re.search(r"flushed (\d+) buffered clicks on exit", line)))
            warnings = sum(1 for line in log_lines if "WARNING" in line or "ERROR" in line)
            recorded, points = count_clicks(url)
        finally:
            drop()

    expected = len({r.tag for r, status in zip(redirect_result.answered, redirect_result.answered_status, strict=True)
                    if r.tag is not None and status == 302})
    database = "PostgreSQL" if args.database else "SQLite"
    print(f"\n{database}, gunicorn {args.workers} workers, {args.connections} keep-alive connections, "
          f"{args.links} links")
    print(f"{'route':<12} {'requests':>8} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'worker µs/req':>12}")
    report("/ping", ping_result)
    report("/s/<code>", redirect_result)
    overall = redirect_result.throughput / ping_result.throughput if ping_result.throughput else 0.0
    ratio = statistics.median(ratios) if ratios else 0.0
    print(f"redirect/floor throughput ratio: {ratio:.2f} (median of {len(ratios)} paired rounds; overall "
          f"{overall:.2f}; goal >= 0.8: {'met' if ratio >= 0.8 else 'NOT met'})")
    print(f"clicks expected: {expected} recorded: {recorded} (points awarded: {points}; written by the "
          f"workers' exit flush: {flushed_on_exit}; warnings/errors in the gunicorn log: {warnings})")
    failed = expected != recorded or exit_code != 0 or redirect_result.errors or ping_result.errors
    bad_status = set(redirect_result.statuses) - {302} or set(ping_result.statuses) - {200}
    if failed or bad_status:
        print(f"FAILED: gunicorn exit {exit_code}, unexpected statuses {bad_status or 'none'}; gunicorn log tail:")
        print("\n".join(log_tail))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
