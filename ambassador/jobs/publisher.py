"""The publishing job's machinery: this worker's name on its leases, and a pool of PUBLISH_THREADS threads
kept fed. What is claimed, prepared, sent and recorded is services/publishing/dispatch.py's business;
this module only knows about processes and threads.

The calling thread does all the database work and the pool only calls the networks: each time threads
free up (a quarter of them, or all when none is busy), the calling thread records the outcomes of the
calls that ended (in one transaction), claims as many due shares as there are free threads (at most
one per account, none of an account this worker has in flight), prepares them (a few statements for the
whole batch, marking them sending) and hands each to a thread. So the database work is done per batch,
not per share, and the batches grow by themselves when the calling thread falls behind. It never waits
for a slow account before claiming more. The job returns when nothing is in flight and nothing more
could be claimed, or, once `stop` is set, when the calls in flight have ended and been recorded (the
shares claimed but not yet sent are handed back unsent).
"""
from __future__ import annotations

import os
import secrets
import socket
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime
from threading import Event

from flask import Flask, current_app

from ..services.publishing import dispatch

# Expired leases (a worker that died) are recovered when the job starts and this often while it runs.
RECOVERY_INTERVAL_SECONDS = 2.0

# A claim (one query over the due shares) waits until a quarter of the threads are free, or none is busy:
# a claim per finished call would cost the database more than the moment a thread waits.
CLAIM_FOR_EVERY = 4

_worker_id: str | None = None


def worker_identity() -> str:
    """This process's name on the leases it holds: host, pid and a random suffix."""
    global _worker_id
    if _worker_id is None or not _worker_id.startswith(f"{socket.gethostname()[:40]}:{os.getpid()}:"):
        _worker_id = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"
    return _worker_id


def dispatch_due_shares(app: Flask | None = None, *, now: datetime | None = None,
                        stop: Event | None = None) -> dict[str, int]:
    """Recover expired leases, then claim, prepare, send and record due shares, keeping the threads busy,
    until nothing more is due (or `stop` is set); returns counts (recovered, claimed, claim_rounds, the
    outcomes and record_rounds: the transactions that recorded them)."""
    app = app or current_app._get_current_object()
    threads = max(int(app.config["PUBLISH_THREADS"]), 1)
    worker_id = worker_identity()
    counts: Counter = Counter(recovered=0, claimed=0)
    in_flight: dict[Future, int] = {}  # → its share's account
    finished: list[dispatch.Sent] = []  # calls that ended, not recorded yet
    accounts: dict[int, int] = {}  # share id → account id, for the shares sent and not recorded yet
    # PUBLISH_THREADS=1: every call in this thread (a test's session shares one connection)
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="publish") if threads > 1 else None

    def send(outbound: dispatch.Outbound) -> Future:
        if pool is not None:
            return pool.submit(dispatch.send, outbound)
        future: Future = Future()
        future.set_result(dispatch.send(outbound))
        return future

    def record() -> None:
        if finished:
            counts.update(dispatch.record_outcomes(finished, worker_id=worker_id, now=now).values())
            counts["record_rounds"] += 1
            for one in finished:
                del accounts[one.share_id]
            finished.clear()

    next_recovery = 0.0
    refill = max(threads // CLAIM_FOR_EVERY, 1)
    try:
        while True:
            free = threads - len(in_flight)
            held_back = bool(finished)  # accounts left out of this claim until their outcome is recorded
            if not (stop is not None and stop.is_set()) and (free >= refill or not in_flight):
                if time.monotonic() >= next_recovery:
                    counts["recovered"] += dispatch.recover_leases(now=now)
                    next_recovery = time.monotonic() + RECOVERY_INTERVAL_SECONDS
                # The threads first, the records after (while the new calls are out): an account whose call
                # ended but is not recorded yet (a 429 not yet written down) counts as busy.
                busy = set(in_flight.values()) | {accounts[one.share_id] for one in finished}
                claimed = dispatch.claim_next(worker_id=worker_id, limit=free, busy_accounts=busy, now=now)
                counts["claim_rounds"] += 1
                counts["claimed"] += len(claimed)
                if claimed:
                    ready, settled = dispatch.prepare(list(claimed), worker_id=worker_id, now=now, stop=stop)
                    counts.update(settled.values())
                    for outbound in ready:
                        in_flight[send(outbound)] = accounts[outbound.share_id] = outbound.account_id
            record()
            if not in_flight:
                if held_back and not (stop is not None and stop.is_set()):
                    continue  # claim once more: their next shares may be due
                break
            done, _running = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                del in_flight[future]
                finished.append(future.result())
    finally:
        if pool is not None:
            pool.shutdown(wait=True)  # the calls in flight end; what they said is recorded below
        finished.extend(future.result() for future in in_flight
                        if not future.cancelled() and future.exception() is None)
        record()
    return dict(counts)
