"""The publishing job's machinery: this worker's name on its leases, and a pool of PUBLISH_THREADS threads
kept fed. What is claimed and how one share is published is services/publishing/dispatch.py's business;
this module only knows about processes and threads.

The calling thread claims and the pool publishes: each time threads free up (a quarter of them, or all
when none is busy), it claims as many due shares as there are free threads (at most one per account,
none of an account this worker has in flight) and hands each to a thread, which publishes it in an app
context of its own (so its own session and connection: the database pool must hold PUBLISH_THREADS + 1
connections, see config.py's publishing_pool_options). It never waits for a slow account before claiming more. The job
returns when nothing is in flight and nothing more could be claimed, or, once `stop` is set, when the
calls in flight have ended (the shares claimed but not yet sent are handed back unsent).
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


def _publish_in_context(app: Flask, share_id: int, worker_id: str, stop: Event | None) -> str:
    with app.app_context():  # its own app context, so its own session and connection
        return dispatch.publish_one(share_id, worker_id=worker_id, stop=stop)


def dispatch_due_shares(app: Flask | None = None, *, now: datetime | None = None,
                        stop: Event | None = None) -> dict[str, int]:
    """Recover expired leases, then claim and publish due shares, keeping the threads busy, until nothing
    more is due (or `stop` is set); returns counts (recovered, claimed, claim_rounds and the outcomes)."""
    app = app or current_app._get_current_object()
    threads = max(int(app.config["PUBLISH_THREADS"]), 1)
    worker_id = worker_identity()
    counts: Counter = Counter(recovered=0, claimed=0)
    in_flight: dict[Future, int | None] = {}  # → its share's account
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="publish") if threads > 1 else None

    def publish(share_id: int) -> Future:
        if pool is not None:
            return pool.submit(_publish_in_context, app, share_id, worker_id, stop)
        # PUBLISH_THREADS=1: in this thread and its app context (a test's session shares one connection)
        future: Future = Future()
        future.set_result(dispatch.publish_one(share_id, worker_id=worker_id, stop=stop))
        return future

    next_recovery = 0.0
    refill = max(threads // CLAIM_FOR_EVERY, 1)
    try:
        while True:
            free = threads - len(in_flight)
            if not (stop is not None and stop.is_set()) and (free >= refill or not in_flight):
                if time.monotonic() >= next_recovery:
                    counts["recovered"] += dispatch.recover_leases(now=now)
                    next_recovery = time.monotonic() + RECOVERY_INTERVAL_SECONDS
                claimed = dispatch.claim_next(worker_id=worker_id, limit=free,
                                              busy_accounts={a for a in in_flight.values() if a is not None}, now=now)
                counts["claim_rounds"] += 1
                counts["claimed"] += len(claimed)
                for share_id, account_id in claimed.items():
                    in_flight[publish(share_id)] = account_id
            if not in_flight:
                break
            done, _running = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                del in_flight[future]
                counts[future.result()] += 1
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    return dict(counts)
