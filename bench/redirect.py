"""Benchmark: the short-link redirect /s/<code> against the app's cheapest route /ping.

Creates a fresh database (SQLite file in a temp dir, or a throwaway database on the PostgreSQL
server named by --database), seeds an organization with N tracked links, serves the app with
gunicorn as in production (gunicorn.conf.py, 2 workers, loopback), and drives both routes with
`wrk` (bench/visitors.lua: every request a new visitor, so every redirect is a click that counts)
in alternating rounds: /ping, /s/<code>, /ping, … Without wrk it warns and falls back to the
Python load generator (bench/loadgen.py), which shares the cores with the server.

Per round it reads the gunicorn workers' CPU time from /proc. It prints, as medians over the
rounds, the throughput ratio (redirect req/s ÷ /ping req/s), the worker-CPU ratio (/ping CPU
per request ÷ redirect CPU per request) and both routes' p99, with the machine's load average.
Then it stops gunicorn with SIGTERM (the workers flush their click buffers into the inbox), runs
the worker's drain_clicks job once (after the rounds, not during them: on two cores the worker
would compete with gunicorn for the CPU the ratios measure; its own cost is printed), and checks
that every countable click was stored, once, and that the rollups' click total equals the rows.

    python bench/redirect.py
    python bench/redirect.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import re
import resource
import shutil
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

def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database", help="PostgreSQL server URL (a throwaway database is created there); "
                                      "default: a SQLite file in a temp dir")
    p.add_argument("--links", type=int, default=200)
    p.add_argument("--rounds", type=int, default=10, help="alternating /ping and /s/<code> rounds (at least 3)")
    p.add_argument("--seconds", type=int, default=3, help="length of one route's round (whole seconds)")
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--threads", type=int, default=1, help="wrk threads")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--python-loadgen", action="store_true", help="use bench/loadgen.py even when wrk is there")
    p.add_argument("--flush-interval", type=float, default=1.0, help="CLICK_FLUSH_INTERVAL for the server")
    args = p.parse_args()
    args.rounds = max(3, args.rounds)
    return args


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


def count_clicks(url: str) -> dict[str, int]:
    """Stored clicks, distinct visitors among them, inbox rows left, points, and the rollups' click total."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        def one(sql):
            return conn.exec_driver_sql(sql).scalar_one()

        found = {"clicks": one("SELECT count(*) FROM click"),
                 "distinct": one("SELECT count(*) FROM (SELECT DISTINCT tracked_link_id, visitor_hash FROM click) d"),
                 "inbox": one("SELECT count(*) FROM click_inbox"),
                 "points": one("SELECT coalesce(sum(points), 0) FROM points_entry"),
                 "rollup_clicks": one("SELECT coalesce(sum(clicks), 0) FROM rollup_cell")}
    engine.dispose()
    return found


# --- server ----------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(url: str, args) -> dict[str, str]:
    return {**os.environ, "AMBASSADOR_ENV": "production", **OPERATOR, "DATABASE_URL": url,
            "CLICK_SALT": "bench-salt", "CLICK_FLUSH_INTERVAL": str(args.flush_interval), "TRUSTED_PROXIES": "1"}


def start_gunicorn(url: str, port: int, args, log_path: Path) -> subprocess.Popen:
    workers = args.workers
    env = server_env(url, args)
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

class Round:
    """One route's round: answered requests, wall seconds, latency percentiles, worker CPU seconds."""

    def __init__(self, answered: int, seconds: float, p50: float, p99: float, cpu: float, sent: int,
                 bad: int, load: float):
        self.answered, self.seconds, self.p50, self.p99, self.cpu = answered, seconds, p50, p99, cpu
        self.sent, self.bad, self.load = sent, bad, load

    @property
    def rate(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_request(self) -> float:
        return self.cpu / self.answered if self.answered else float("nan")


def visitor_address(n: int) -> str:
    """Visitor n's address, as bench/visitors.lua makes them (2001:db8:HHHH:LLLL::1, one /64 each)."""
    return f"2001:db8:{n // 65536 % 65536:x}:{n % 65536:x}::1"


SCRIPT = ROOT / "bench" / "visitors.lua"


class Wrk:
    """Drives a route with wrk and bench/visitors.lua; each call starts at new visitors."""

    name = "wrk"

    def __init__(self, port: int, args, tmp: Path):
        self.port, self.args, self.tmp = port, args, tmp

    def run(self, paths: list[str], first_visitor: int) -> dict:
        paths_file = self.tmp / "paths.txt"
        paths_file.write_text("\n".join(paths) + "\n")
        out = subprocess.run(["wrk", "-t", str(self.args.threads), "-c", str(self.args.connections),
                              "-d", f"{self.args.seconds}s", "--timeout", "10s", "-s", str(SCRIPT),
                              f"http://127.0.0.1:{self.port}", "--", str(paths_file), str(first_visitor)],
                             capture_output=True, text=True, check=False)
        line = next((line for line in out.stdout.splitlines() if line.startswith("RESULT ")), None)
        if line is None:
            raise SystemExit(f"wrk failed ({out.returncode}): {out.stdout}\n{out.stderr}")
        r = json.loads(line[len("RESULT "):])
        errors = r["connect"] + r["read"] + r["write"] + r["timeout"]
        return {"answered": r["requests"] - r["status"], "seconds": r["duration_us"] / 1e6,
                "p50": r["p50_us"] / 1e6, "p99": r["p99_us"] / 1e6, "sent": r["sent"], "bad": r["status"] + errors}


class PythonLoad:
    """The fallback: bench/loadgen.py (Python threads on the same cores as the server)."""

    name = "Python load generator"

    def __init__(self, port: int, args, tmp: Path):
        self.port, self.args = port, args

    def run(self, paths: list[str], first_visitor: int) -> dict:
        n = max(1000, int(self.args.seconds * 3000))
        requests = [loadgen.Request("GET", paths[i % len(paths)],
                                    (("User-Agent", BROWSER.format(n=i)),
                                     ("X-Forwarded-For", visitor_address(first_visitor + i)))) for i in range(n)]
        result = loadgen.run("127.0.0.1", self.port, requests, connections=self.args.connections,
                             max_seconds=self.args.seconds)
        good = sum(n for status, n in result.statuses.items() if status in (200, 302))
        return {"answered": good, "seconds": result.elapsed, "p50": result.percentile(50),
                "p99": result.percentile(99), "sent": result.count + result.errors,
                "bad": result.count - good + result.errors}


def run_rounds(proc: subprocess.Popen, driver, links: list[tuple[str, str]], args) -> dict[str, list[Round]]:
    """Alternate /ping and /s/<code> rounds so both see the same background load; each round new visitors."""
    routes = {"ping": ["/ping"], "redirect": [f"/s/{code}" for code, _network in links]}
    rounds: dict[str, list[Round]] = {"ping": [], "redirect": []}
    for number in range(args.rounds + 1):  # round 0 warms both routes up and is not reported
        for name, paths in routes.items():
            before = worker_cpu_seconds(proc.pid)
            r = driver.run(paths, first_visitor=(2 * number + (name == "redirect")) * (1 << 26))
            cpu = worker_cpu_seconds(proc.pid) - before
            rounds[name].append(Round(r["answered"], r["seconds"], r["p50"], r["p99"], cpu, r["sent"], r["bad"],
                                      os.getloadavg()[0]))
    return rounds


def drain(url: str, args) -> tuple[float, float, str]:
    """Run the worker's drain_clicks job once (a process of its own); its wall and CPU seconds, its output."""
    flask = Path(sys.executable).with_name("flask")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = subprocess.run([str(flask), "--app", "wsgi", "ambassador", "run-job", "drain_clicks"], cwd=ROOT,
                         env=server_env(url, args), capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode:
        raise SystemExit(f"drain_clicks failed ({out.returncode}): {out.stdout}\n{out.stderr}")
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), out.stdout.strip()


def median(values) -> float:
    values = [v for v in values if v == v]  # no NaN
    return statistics.median(values) if values else float("nan")


def report(name: str, rounds: list[Round]) -> None:
    print(f"{name:<12} {sum(r.answered for r in rounds):>8} {median(r.rate for r in rounds):>10.0f} "
          f"{median(r.p50 for r in rounds) * 1000:>9.2f} {median(r.p99 for r in rounds) * 1000:>9.2f} "
          f"{median(r.cpu_per_request for r in rounds) * 1e6:>13.0f}"
          f"{f'   errors/non-2xx-3xx: {sum(r.bad for r in rounds)}' if any(r.bad for r in rounds) else ''}")


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def main() -> int:
    args = parse_args()
    load_before = os.getloadavg()
    use_wrk = wrk_available() and not args.python_loadgen
    if not use_wrk and not args.python_loadgen:
        print("WARNING: wrk is not installed (`make bench` installs Debian's package when it can: apt-get install "
              "wrk); falling back to the Python load generator, which shares the two cores with the server, so "
              "the ratios are not an outside load generator's.", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="ambassador-bench-") as tmp:
        url, drop = create_database(args.database, Path(tmp))
        try:
            links = seed(url, args.links)
            port = free_port()
            proc = start_gunicorn(url, port, args, Path(tmp) / "gunicorn.log")
            driver = (Wrk if use_wrk else PythonLoad)(port, args, Path(tmp))
            try:
                rounds = run_rounds(proc, driver, links, args)
            finally:
                exit_code = stop_gunicorn(proc)
            log_lines = (Path(tmp) / "gunicorn.log").read_text(errors="replace").splitlines()
            if os.environ.get("BENCH_SHOW_LOG"):
                print("\n".join(log_lines[-15:]))
            flushed_on_exit = sum(int(m.group(1)) for line in log_lines
                                  if (m := re.search(r"flushed (\d+) buffered clicks on exit", line)))
            warnings = sum(1 for line in log_lines if "WARNING" in line or "ERROR" in line)
            queued = count_clicks(url)["inbox"]
            drain_wall, drain_cpu, drain_out = drain(url, args)
            found = count_clicks(url)
        finally:
            drop()

    answered = sum(r.answered for r in rounds["redirect"])
    sent = sum(r.sent for r in rounds["redirect"])
    measured = {name: rs[1:] for name, rs in rounds.items()}  # round 0 was the warm-up
    pairs = list(zip(measured["ping"], measured["redirect"], strict=True))
    throughput = median(r.rate / p.rate for p, r in pairs if p.rate)
    cpu = median(p.cpu_per_request / r.cpu_per_request for p, r in pairs if r.cpu_per_request)
    p99 = {name: median(r.p99 for r in rs) for name, rs in measured.items()}
    database = "PostgreSQL" if args.database else "SQLite"
    loads = [r.load for rs in measured.values() for r in rs]
    print(f"\n{database}, gunicorn {args.workers} workers × {os.environ.get('GUNICORN_THREADS', '4')} threads, "
          f"{driver.name} ({args.threads} thread(s), {args.connections} keep-alive connections), {args.links} links, "
          f"{args.rounds} rounds of {args.seconds:g} s per route (+1 warm-up), every request a new visitor")
    print(f"load average (1 min): {load_before[0]:.2f} before, {min(loads):.2f}–{max(loads):.2f} during the rounds, "
          f"{os.cpu_count()} CPUs")
    print(f"{'route':<12} {'requests':>8} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'worker µs/req':>13}   "
          f"(medians of the rounds)")
    report("/ping", measured["ping"])
    report("/s/<code>", measured["redirect"])
    print("per round (req/s /ping → /s, worker µs/req /ping → /s, load): " + "; ".join(
        f"{p.rate:.0f}→{r.rate:.0f}, {p.cpu_per_request * 1e6:.0f}→{r.cpu_per_request * 1e6:.0f}, {r.load:.1f}"
        for p, r in pairs))
    met = throughput >= 0.8 and cpu >= 0.8 and p99["redirect"] <= 2 * p99["ping"]
    print(f"redirect/floor throughput ratio: {throughput:.3f} (median of {len(pairs)} paired rounds; goal >= 0.8)")
    print(f"redirect/floor cpu ratio: {cpu:.3f} (/ping's worker CPU per request ÷ the redirect's; goal >= 0.8)")
    print(f"redirect p99 / floor p99: {p99['redirect'] * 1000:.2f} ms / {p99['ping'] * 1000:.2f} ms = "
          f"{p99['redirect'] / p99['ping']:.2f} (goal <= 2); goals {'met' if met else 'NOT met'}")
    print(f"drain (worker's drain_clicks, run once after the rounds): {queued} inbox rows in {drain_wall:.1f} s, "
          f"{drain_cpu / queued * 1e6 if queued else float('nan'):.0f} µs CPU per click ({drain_out})")
    # Every answered redirect was a new visitor: each must count. A request wrk sent but whose answer it
    # did not wait for at the end of a round may have been counted too.
    ok_clicks = answered <= found["clicks"] <= sent and found["distinct"] == found["clicks"]
    print(f"clicks: answered {answered}, sent {sent}, stored {found['clicks']} (distinct {found['distinct']}), "
          f"left in the inbox {found['inbox']}, rollups {found['rollup_clicks']}; points {found['points']}; "
          f"flushed into the inbox at exit: {flushed_on_exit}; warnings/errors in the gunicorn log: {warnings}")
    failed = (not ok_clicks or found["inbox"] or found["rollup_clicks"] != found["clicks"] or exit_code != 0
              or any(r.bad for rs in rounds.values() for r in rs))
    if failed:
        print(f"FAILED: stored clicks outside [answered, sent], left in the inbox, rollups ≠ rows, bad answers, "
              f"or gunicorn exit {exit_code}; gunicorn log tail:")
        print("\n".join(log_lines[-5:]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
