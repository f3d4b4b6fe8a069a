"""The publishing job's machinery: this worker's name on its leases, and a pool of PUBLISH_THREADS threads
kept fed. What is claimed, prepared, sent and recorded is services/publishing/dispatch.py's business;
this module only knows about processes and threads.

Two threads do the database work and the pool only calls the networks. The calling thread claims due
shares ahead of the pool (at most one per account, none of an account with a share in flight in any
worker or whose outcome is not recorded yet), prepares them (a few statements for the whole batch) and
keeps them ready, leased but not yet marked sending: twice as many as there are threads (AHEAD_POOLS),
claimed again when fewer than half of that is left. When threads free up it marks as many ready shares sending (one
statement, committed) and hands each to a thread. A recorder thread (its own app context, so its own
session and connection) records the outcomes of the calls that ended, all that ended since it last
looked in one transaction, at most every RECORD_INTERVAL_SECONDS (sooner when a few rounds of the threads'
calls ended or the claiming thread waits). So the database work is done per batch, not per share, and the
batches grow by themselves when the database falls behind; the database pool needs two connections
(config.py's publishing_pool_options gives it PUBLISH_THREADS + 1). It never waits for a slow account
before claiming more. The job returns when nothing is in flight or ready and nothing more could be
claimed, or, once `stop` is set, when the calls in flight have ended and been recorded (the shares
claimed but not yet sent are handed back unsent).
"""
from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from collections import Counter, deque
from collections.abc import Collection
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from threading import Condition, Event, Thread

from flask import Flask, current_app

from ..extensions import db
from ..services.publishing import dispatch

log = logging.getLogger(__name__)

# Expired leases (a worker that died) are recovered when the job starts and this often while it runs.
RECOVERY_INTERVAL_SECONDS = 2.0

# Shares are claimed and prepared ahead of the threads (leased, not yet marked sending), AHEAD_POOLS times as
# many as there are threads, and claimed again when fewer than half of that is left: a claim and its
# preparation (four statements) are paid per pool's worth, not per call, and a thread that frees up waits only
# for the one statement that marks its next share sending. Two pools' worth rather than one: 40% fewer claims
# (each reads the head of the queue and is planned, whatever its size), 0.6–0.9 ms less CPU per share in all
# (bench/publish.py). What a worker that dies had claimed ahead waits for its lease to run out (nothing of it
# was sent) and then goes back to the queue.
AHEAD_POOLS = 2

# The recorder writes what ended at most this often (sooner when RECORD_BATCH_ROUNDS × PUBLISH_THREADS calls
# have ended, or the claiming thread waits on it): the calls that end meanwhile share its transaction, so a
# recording's statements (about 17: locks, the shares, points, rollups, webhooks) are paid per batch, not per
# call. It only delays an account's next share by as much (its outcome must be recorded first), never the calls
# of other accounts, and a member's points and webhooks by a fraction of a second. bench/publish.py, back to
# back (2026-12-06): at 0.05 s and one round of the threads' calls (about 7 per batch) the workers took 5.7–5.9
# ms of CPU and PostgreSQL 3.1 ms per share; at 0.15 s and three rounds (about 17 per batch) 4.7–4.9 and
# 2.6–2.7 ms; at 0.3 s and six rounds no better (5.2 and 3.4 ms: two workers' longer transactions wait on each
# other's member locks).
RECORD_INTERVAL_SECONDS = 0.15
RECORD_BATCH_ROUNDS = 3

# The recorder queues the published shares' additions to the standings (services/analytics/standing_queue.py)
# and adds what is queued at most this often, and when the job ends: a member whose shares went out meanwhile
# is added to once. Boards count a published share this much later.
STANDINGS_INTERVAL_SECONDS = 2.0

_worker_id: str | None = None


def worker_identity() -> str:
    """This process's name on the leases it holds: host, pid and a random suffix."""
    global _worker_id
    if _worker_id is None or not _worker_id.startswith(f"{socket.gethostname()[:40]}:{os.getpid()}:"):
        _worker_id = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"
    return _worker_id


class _Recorder:
    """Records the outcomes of the calls that ended, many per transaction: in a thread of its own (its own
    app context, so its own session and connection) while the claiming thread goes on claiming, or, with
    PUBLISH_THREADS=1, in the claiming thread when `step` is called. Until its outcome is recorded, a
    share's account counts as busy (a 429 not yet written down must still hold the account's next share)."""

    def __init__(self, app: Flask, *, worker_id: str, now: datetime | None, threaded: bool, threads: int = 1):
        self.app, self.worker_id, self.now, self.threads = app, worker_id, now, threads
        self.full = threads * RECORD_BATCH_ROUNDS  # calls ended: record them without waiting out the interval
        self.counts: Counter = Counter()
        self.ended_calls: list[dispatch.Sent] = []
        self.recording = self.closed = False
        self.urgent = False  # the claiming thread waits until what ended is recorded: record at once
        self.last_cycle = 0.0  # time.monotonic() when the last recording started
        self.next_standings = time.monotonic() + STANDINGS_INTERVAL_SECONDS  # when to add the queued standings
        self.queued = False  # outcomes recorded (their standings queued) since the queued standings were added
        self.freed = False  # accounts became free (outcomes recorded) since the claiming thread last looked
        self.changed = Condition()
        self.thread = Thread(target=self._run, name="publish-recorder", daemon=True) if threaded else None
        if self.thread is not None:
            self.thread.start()

    def ended(self, sent: dispatch.Sent) -> None:
        with self.changed:
            self.ended_calls.append(sent)
            self.changed.notify_all()

    def unrecorded(self) -> bool:
        with self.changed:
            return bool(self.ended_calls) or self.recording

    def step(self) -> None:
        """Inline: record what ended. Threaded: nothing (the recorder's thread does it)."""
        if self.thread is None:
            self._record_next()
            if time.monotonic() >= self.next_standings:
                self._add_standings()

    def drain(self) -> None:
        """Return once every call that ended is recorded."""
        if self.thread is None:
            self._record_next()
            return
        with self.changed:
            self.urgent = True
            self.changed.notify_all()
            self.changed.wait_for(lambda: not (self.ended_calls or self.recording) or not self.thread.is_alive())
            self.urgent = False

    def close(self) -> None:
        """Record what is left and add the queued standings, then stop."""
        if self.thread is None:
            self._record_next()
            self._add_standings()
            return
        with self.changed:
            self.closed = True
            self.changed.notify_all()
        self.thread.join()

    def _record_next(self) -> None:
        with self.changed:
            batch, self.ended_calls = self.ended_calls, []
            self.recording = bool(batch)
        if not batch:
            return
        outcomes: dict[int, str] = {}
        try:
            outcomes = dispatch.record_outcomes(batch, worker_id=self.worker_id, now=self.now, queue_standings=True)
        finally:
            self.queued = True
            with self.changed:
                self.counts.update(outcomes.values())
                self.counts["record_rounds"] += 1
                self.recording = False
                self.freed = True
                self.changed.notify_all()

    def _add_standings(self) -> None:
        """Add the queued standings, when this recorder recorded something since it last did (with what any
        other worker left). When that fails, what is queued stays queued for the next time or the
        add_queued_standings job: recording goes on."""
        self.next_standings = time.monotonic() + STANDINGS_INTERVAL_SECONDS
        if not self.queued:
            return
        self.queued = False
        try:
            self.counts["standings_added"] += dispatch.add_queued_standings()
        except Exception:  # noqa: BLE001 - the outcomes must still be recorded
            log.exception("adding the queued standings failed; they stay queued")
            db.session.rollback()

    def notify(self, _future: Future | None = None) -> None:
        with self.changed:
            self.changed.notify_all()

    def wait(self, in_flight: Collection[Future]) -> list[Future]:
        """Wait until a call ends or, threaded, accounts become free; the calls that ended."""
        with self.changed:
            self.changed.wait_for(lambda: self.freed or any(future.done() for future in in_flight))
            self.freed = False
        return [future for future in in_flight if future.done()]

    def _run(self) -> None:
        with self.app.app_context():
            while True:
                with self.changed:
                    self.changed.wait_for(lambda: self.ended_calls or self.closed,
                                          timeout=max(self.next_standings - time.monotonic(), 0))
                    if self.closed and not self.ended_calls:
                        break
                if time.monotonic() >= self.next_standings:
                    self._add_standings()
                with self.changed:
                    if not self.ended_calls:
                        continue
                    # Let more calls end into this batch, until the interval since the last one is up.
                    self.changed.wait_for(lambda: self.closed or self.urgent or len(self.ended_calls) >= self.full,
                                          timeout=self.last_cycle + RECORD_INTERVAL_SECONDS - time.monotonic())
                self.last_cycle = time.monotonic()
                self._record_next()
            self._add_standings()


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
    ready: deque[dispatch.Outbound] = deque()  # claimed and prepared, not marked sending yet
    # PUBLISH_THREADS=1: every call and record in this thread (a test's session shares one connection)
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="publish") if threads > 1 else None
    recorder = _Recorder(app, worker_id=worker_id, now=now, threaded=pool is not None, threads=threads)

    def send(outbound: dispatch.Outbound) -> Future:
        if pool is not None:
            future = pool.submit(dispatch.send, outbound)
            future.add_done_callback(recorder.notify)  # wakes the claiming thread
            return future
        future = Future()
        future.set_result(dispatch.send(outbound))
        return future

    def stopping() -> bool:
        return stop is not None and stop.is_set()

    def hand_to_free_threads() -> bool:
        """Hand ready shares to the threads that are free, once the calls that ended are passed to the recorder;
        whether any had ended."""
        ended = [future for future in in_flight if future.done()]
        for future in ended:
            del in_flight[future]
            recorder.ended(future.result())
        free = min(threads - len(in_flight), len(ready))
        if free <= 0 or stopping():
            return bool(ended)
        batch = [ready.popleft() for _ in range(free)]
        marked, lost = dispatch.mark(batch, worker_id=worker_id, now=now)
        counts["lost"] += len(lost)
        for outbound in marked:
            in_flight[send(outbound)] = outbound.account_id
        return bool(ended)

    next_recovery = 0.0
    ahead = AHEAD_POOLS * threads  # claimed and prepared ahead of the threads
    try:
        while True:
            hand_to_free_threads()
            held_back = recorder.unrecorded()  # accounts left out of this claim until their outcome is recorded
            room = threads + ahead - len(in_flight) - len(ready)
            if not stopping() and room > 0 and (2 * len(ready) < ahead or not in_flight):
                if time.monotonic() >= next_recovery:
                    counts["recovered"] += dispatch.recover_leases(now=now)
                    next_recovery = time.monotonic() + RECOVERY_INTERVAL_SECONDS
                # Accounts with a share ready, in flight or not recorded yet are left out by the claim itself:
                # those shares are still "publishing".
                claimed = dispatch.claim_next(worker_id=worker_id, limit=room, now=now)
                # A thread that freed up during the claim takes a share already prepared. Its account was left out
                # of the claim: claim once more before stopping.
                held_back |= hand_to_free_threads()
                counts["claim_rounds"] += 1
                counts["claimed"] += len(claimed)
                if claimed:
                    prepared, settled = dispatch.prepare(list(claimed), worker_id=worker_id, now=now, stop=stop,
                                                         marked=False)
                    counts.update(settled.values())
                    ready.extend(prepared)
                    held_back |= hand_to_free_threads()
            if stopping() and ready:
                counts.update(dispatch.hand_back(list(ready), worker_id=worker_id, now=now).values())
                ready.clear()
            recorder.step()
            if not in_flight:
                if ready:
                    continue
                recorder.drain()
                if held_back and not stopping():
                    continue  # claim once more: their next shares may be due now
                break
            # A call that ends frees a thread; an outcome recorded frees an account (its next share may go).
            for future in recorder.wait(in_flight):
                del in_flight[future]
                recorder.ended(future.result())
    finally:
        if pool is not None:
            pool.shutdown(wait=True)  # the calls in flight end; what they said is recorded below
        for future in in_flight:
            if not future.cancelled() and future.exception() is None:
                recorder.ended(future.result())
        if ready:  # an error left prepared shares unsent: their leases run out and recovery requeues them
            counts["unsent"] += len(ready)
        recorder.close()
    counts.update(recorder.counts)
    return dict(counts)
