"""The in-process click buffer and its background flusher thread.

Requests append to a deque (thread-safe append/popleft); one daemon thread per process
writes batches every CLICK_FLUSH_INTERVAL seconds, or sooner once CLICK_FLUSH_BATCH
clicks wait. The thread starts on first use, so a process forked after import (gunicorn
workers) starts its own; a changed os.getpid() means we are such a child and start afresh.
`shutdown()` drains what is left: called from gunicorn's worker_exit hook and at exit.

The writer is the click sink's `append` (services/publishing/click_sink.py): one multi-row insert
per batch. What sits in the deque is in this process's memory only: a SIGKILL loses it (normally at
most CLICK_FLUSH_INTERVAL seconds' worth); a graceful stop does not.
"""
from __future__ import annotations

import atexit
import logging
import os
import random
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Sequence

import sqlalchemy as sa

from ..extensions import db

log = logging.getLogger(__name__)

WRITE_ATTEMPTS = 5
MAX_PENDING = 200_000  # if the database is down for long, keep memory bounded
JOIN_TIMEOUT = 30.0

_buffers: weakref.WeakSet[ClickBuffer] = weakref.WeakSet()


class ClickBuffer:
    def __init__(self, app, *, write: Callable[[Sequence], int], write_sync: Callable[[Sequence], int] | None = None):
        """`write` stores a flushed batch (its own session, committed here); `write_sync`, used instead under
        CLICK_BUFFER_SYNC, writes one click in the caller's session (the caller commits)."""
        self.app = app
        self.write = write
        self.write_sync = write_sync or write
        self._reset()
        _buffers.add(self)

    def _reset(self) -> None:
        """Fresh state for this process (locks too: a fork may have copied a held one)."""
        self._pid = os.getpid()
        self._pending: deque = deque()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._dropped = 0

    @property
    def sync(self) -> bool:
        return bool(self.app.config.get("CLICK_BUFFER_SYNC"))

    @property
    def batch_size(self) -> int:
        return max(1, int(self.app.config.get("CLICK_FLUSH_BATCH", 5000)))

    def __len__(self) -> int:
        return len(self._pending)

    def submit(self, click) -> bool:
        """Queue a click; True when written synchronously (the caller's session, caller commits)."""
        if self.sync:
            self.write_sync([click])
            return True
        if self._pid != os.getpid():
            self._reset()
        if len(self._pending) >= MAX_PENDING:
            self._dropped += 1
            if self._dropped % 1000 == 1:
                log.error("click buffer full (%d waiting): dropped %d clicks", MAX_PENDING, self._dropped)
            return False
        self._pending.append(click)
        if self._thread is None:
            self._start()
        if len(self._pending) >= self.batch_size:
            self._wake.set()
        return False

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is not None:
                return
            self._stop = stop = threading.Event()
            self._thread = threading.Thread(target=self._run, args=(stop, self._wake), name="click-flusher",
                                            daemon=True)
            self._thread.start()

    def _run(self, stop: threading.Event, wake: threading.Event) -> None:
        interval = float(self.app.config.get("CLICK_FLUSH_INTERVAL", 1.0))
        while True:
            wake.wait(interval)
            wake.clear()
            if stop.is_set():
                return
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the flusher must outlive any one bad batch
                log.exception("click flush failed; will retry")

    def flush(self) -> int:
        """Write everything waiting now, batch by batch; returns how many clicks were stored."""
        stored = 0
        with self._flush_lock:
            while self._pending:
                batch: list = []
                while self._pending and len(batch) < self.batch_size:
                    batch.append(self._pending.popleft())
                try:
                    written = self._write_batch(batch)
                except Exception:  # noqa: BLE001 - never lose the batch to an unexpected error
                    log.exception("click batch of %d not written", len(batch))
                    written = None
                if written is None:  # keep them for the next round
                    self._pending.extendleft(reversed(batch))
                    break
                stored += written
        return stored

    def _write_batch(self, batch: list) -> int | None:
        for attempt in range(WRITE_ATTEMPTS):
            try:
                return self._commit(batch)
            except sa.exc.IntegrityError:
                # A link deleted under us: write one by one so only that click is lost.
                return sum(self._commit_or_drop(click) for click in batch)
            except sa.exc.DBAPIError as exc:  # locked (SQLite), deadlock/serialization, lost connection
                delay = 0.05 * (2 ** attempt) * (1 + random.random())
                log.warning("click batch of %d not written (%s); retrying in %.2fs", len(batch), exc.orig, delay)
                time.sleep(delay)
        return None

    def _commit(self, batch: list) -> int:
        with self.app.app_context():
            try:
                written = self.write(batch)
                db.session.commit()
                return written
            except BaseException:
                db.session.rollback()
                raise

    def _commit_or_drop(self, click) -> int:
        try:
            return self._commit([click])
        except sa.exc.IntegrityError as exc:
            log.warning("dropped a click that can no longer be stored: %s", exc.orig)
            return 0

    def shutdown(self) -> int:
        """Stop the flusher and write what is left (graceful shutdown); returns clicks stored."""
        if self._pid != os.getpid():
            self._reset()  # a forked child: what we copied is the parent's to write
            return 0
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(JOIN_TIMEOUT)
            if not thread.is_alive():
                self._thread = None
        return self.flush()


def shutdown_click_buffers() -> int:
    """Flush every buffer of this process (gunicorn's worker_exit hook, atexit)."""
    stored = 0
    for buffer in list(_buffers):
        try:
            stored += buffer.shutdown()
        except Exception:  # noqa: BLE001 - at exit, log and go on with the next buffer
            log.exception("click buffer not flushed at shutdown")
    return stored


atexit.register(shutdown_click_buffers)
