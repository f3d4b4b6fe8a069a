"""`bench/publish.py --kill N`: SIGKILL workers mid-run, restart them, and weigh what they left behind.

Each round waits until the target worker holds leases and has begun sending them (one share
marked "sending"), lets it work for 0–0.3 s more, kills it with SIGKILL and counts, at once, the shares it held
and those it had marked
"sending" (the network calls in flight: only these may have reached a network). The others'
lease recovery then puts the unsent ones back in the queue; a sending one becomes "unconfirmed",
or is sent again with the same key on Mastodon and Bluesky. So at the end:

- no share exists twice on any network (duplicates must be 0);
- shares left unconfirmed never exceed the calls in flight at the kills.
"""
from __future__ import annotations

import random
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable

import sqlalchemy as sa


def leases_of(engine: sa.Engine, pid: int) -> tuple[int, int]:
    """(shares leased, shares marked sending) by the worker process `pid` (lease owner host:pid:suffix)."""
    with engine.connect() as conn:
        held, sending = conn.execute(sa.text(
            "SELECT count(*), count(sending_at) FROM share WHERE status = 'publishing' AND lease_owner LIKE :owner"),
            {"owner": f"%:{pid}:%"}).one()
    return held, sending


def kill_rounds(rounds: int, workers: list, killed: list, engine: sa.Engine, *, deadline: float,
                restart: Callable[[str], tuple], rng: random.Random) -> list[dict]:
    """Kill the workers in turn `rounds` times (fewer if the run ends first); each is restarted at once."""
    kills = []
    for round_no in range(1, rounds + 1):
        slot = (round_no - 1) % len(workers)
        proc = workers[slot][0]
        while proc.poll() is None and time.monotonic() < deadline and leases_of(engine, proc.pid)[1] == 0:
            time.sleep(0.01)  # until it holds a batch and has begun sending it
        if proc.poll() is not None or time.monotonic() >= deadline:
            print(f"  the run ended before kill {round_no}", file=sys.stderr, flush=True)
            break
        time.sleep(rng.uniform(0, 0.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        held, sending = leases_of(engine, proc.pid)
        kills.append({"held": held, "sending": sending})
        killed.append(workers[slot])
        workers[slot] = restart(f"worker{slot}-after-kill{round_no}")
        print(f"  kill {round_no}: worker {slot} (pid {proc.pid}) held {held} leases, {sending} of them sending",
              file=sys.stderr, flush=True)
    return kills


def report(kills: list[dict], states: dict, posts: dict[str, Counter], mastodon) -> list[str]:
    """Print the kill figures; the problems among them, in words."""
    duplicates = {network: sum(n - 1 for key, n in counts.items() if key != "?" and n > 1)
                  for network, counts in posts.items()}
    keys = [status["idempotency_key"] for status in mastodon.statuses]
    unconfirmed = [(key, network) for key, (network, status, _kind) in states.items() if status == "unconfirmed"]
    on_network = sum(1 for key, network in unconfirmed if posts[network].get(key))
    in_flight = sum(k["sending"] for k in kills)
    print(f"\nkills: {len(kills)} × SIGKILL; leases held at the kills: {sum(k['held'] for k in kills)} "
          f"(per kill {[k['held'] for k in kills]})")
    print(f"calls in flight at the kills (shares in 'sending'): {in_flight} (per kill {[k['sending'] for k in kills]})")
    print(f"duplicates on any stand-in: {sum(duplicates.values())} {duplicates}; Mastodon statuses {len(keys)} for "
          f"{len(set(keys))} Idempotency-Keys")
    print(f"shares left unconfirmed: {len(unconfirmed)} {dict(Counter(network for _k, network in unconfirmed))}, "
          f"of which {on_network} exist on their network")
    problems = []
    if sum(duplicates.values()) or len(keys) != len(set(keys)):
        problems.append(f"duplicates after kills: {duplicates}, Mastodon keys {len(keys)} vs {len(set(keys))}")
    if len(unconfirmed) > in_flight:
        problems.append(f"{len(unconfirmed)} shares left unconfirmed, more than the {in_flight} calls in flight "
                        "at the kills")
    return problems
