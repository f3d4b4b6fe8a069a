"""The publishing job's machinery: this worker's name on its leases, and one thread (with its own app
context, so its own session and connection) per account's shares. What is claimed and how one share is
published is services/publishing/dispatch.py's business; this module only knows about processes and threads.
"""
from __future__ import annotations

import os
import secrets
import socket
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from threading import Event

from flask import Flask, current_app

from ..services.publishing import dispatch

_worker_id: str | None = None


def worker_identity() -> str:
    """This process's name on the leases it holds: host, pid and a random suffix."""
    global _worker_id
    if _worker_id is None or not _worker_id.startswith(f"{socket.gethostname()[:40]}:{os.getpid()}:"):
        _worker_id = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"
    return _worker_id


def _publish_group_in_context(app: Flask, share_ids: list[int], worker_id: str, stop: Event | None) -> Counter:
    with app.app_context():  # its own app context, so its own session and connection
        return dispatch.publish_group(share_ids, worker_id=worker_id, stop=stop)


def dispatch_due_shares(app: Flask | None = None, *, now: datetime | None = None,
                        stop: Event | None = None) -> dict[str, int]:
    """Recover expired leases, claim a batch, publish it (accounts in parallel); returns counts."""
    app = app or current_app._get_current_object()
    config = app.config
    worker_id = worker_identity()
    batch = dispatch.claim_batch(worker_id=worker_id, limit=config["PUBLISH_BATCH"], now=now)
    counts: Counter = Counter(recovered=batch.recovered, claimed=batch.claimed)
    threads = min(int(config["PUBLISH_THREADS"]), len(batch.groups))
    if threads <= 1:
        for group in batch.groups:
            counts.update(dispatch.publish_group(group, worker_id=worker_id, stop=stop))
    else:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="publish") as pool:
            for result in pool.map(lambda group: _publish_group_in_context(app, group, worker_id, stop),
                                   batch.groups):
                counts.update(result)
    return dict(counts)
