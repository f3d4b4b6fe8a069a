"""Serve a contract fake (a small Flask app speaking a network's documented API) on loopback.

Adapters are pointed at it through their base-URL settings, so the real HTTP code runs.
Benchmarks reuse the same fakes (bench/publish.py).

The fakes speak HTTP/1.1 with keep-alive, as the networks do: waitress (which reads every request
body whole before the app runs, so a connection is safe to reuse whatever the fake read of it)
with a thread pool for the calls in flight. So the adapters' connection reuse is exercised, and a
benchmark does not pay a new TCP connection per call that production would not pay. werkzeug's
development server closes every connection; `dev_server=True` serves with it instead (for tests
of that server itself).
"""
from __future__ import annotations

import contextlib
import logging
import threading

from waitress.server import create_server
from werkzeug.serving import make_server

# Calls a fake serves at once: more than the benchmarks' workers × threads ever send to one network,
# and than the slow calls a test leaves waiting past its client's timeout.
THREADS = 48

# waitress logs a warning whenever its queue is non-empty for a moment ("Task queue depth is 1"):
# with a fake that answers after a delay that is the normal state, not news.
logging.getLogger("waitress.queue").setLevel(logging.ERROR)


@contextlib.contextmanager
def serve(wsgi_app, *, dev_server: bool = False):
    """Run `wsgi_app` on 127.0.0.1 in a thread; yields its base URL (no trailing slash)."""
    if dev_server:
        with _serve_werkzeug(wsgi_app) as base_url:
            yield base_url
        return
    server = create_server(wsgi_app, host="127.0.0.1", port=0, threads=THREADS, connection_limit=1000,
                           ident="fake", clear_untrusted_proxy_headers=True)
    stop = threading.Event()

    def run() -> None:  # waitress's loop, a round at a time, until told to stop
        while not stop.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, count=1)

    thread = threading.Thread(target=run, name="fake-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # The loop stops first, then the threads running the app finish (a call still sleeping is
        # dropped), and only then are the sockets closed, from this thread: nothing uses them any more.
        stop.set()
        thread.join(timeout=5)
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
        server.asyncore.close_all(server._map)


@contextlib.contextmanager
def _serve_werkzeug(wsgi_app):
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
