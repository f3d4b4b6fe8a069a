"""Serve a contract fake (a small Flask app speaking a network's documented API) on loopback.

Adapters are pointed at it through their base-URL settings, so the real HTTP code runs.
Benchmarks reuse the same fakes (bench/publish.py).
"""
from __future__ import annotations

import contextlib
import threading

from werkzeug.serving import make_server


@contextlib.contextmanager
def serve(wsgi_app):
    """Run `wsgi_app` on 127.0.0.1 in a thread; yields its base URL (no trailing slash)."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
