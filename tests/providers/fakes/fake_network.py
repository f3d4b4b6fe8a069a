"""What the Mastodon, Bluesky and Facebook contract fakes share: a request log, injected faults,
a delay, per-account rate limits, and `running()` to serve one on loopback (`fake.base_url`).

A fault hits one endpoint (the Flask endpoint name, or "*") a number of times:
- before processing (`after=False`): the network refuses or is slow before doing anything
  (`status` answers at once, `delay` sleeps first; with both, the status comes late);
- after processing (`after=True`): the network DID the work, then the answer is lost — replaced by
  `status` (e.g. 500) or delayed past the client's read timeout — the "unknown outcome" case.

`delay` on the fake slows every answer (benchmarks use ~50 ms). `rate_limit` allows so many
calls per account per `rate_window` seconds on the endpoints the fake names as limited, then
answers 429 with the network's own rate-limit headers.
"""
from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, g, jsonify, request

from .server import serve


@dataclass
class Fault:
    endpoint: str
    status: int | None = None
    body: dict | None = None
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    after: bool = False
    times: int = 1


class FakeNetwork:
    limited_endpoints: tuple[str, ...] = ()

    def __init__(self, import_name: str, *, delay: float = 0.0, rate_limit: int | None = None,
                 rate_window: float = 300.0):
        self.app = Flask(import_name)
        self.base_url = ""
        self.delay = delay
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.faults: list[Fault] = []
        self.calls: list[dict] = []
        self.lock = threading.RLock()
        self._usage: dict[tuple[str, str], list[float]] = {}
        self.app.before_request(self._before)
        self.app.after_request(self._after)

    # --- what tests use -------------------------------------------------------------------
    @contextlib.contextmanager
    def running(self):
        """Serve the fake on loopback for the block; its address is `self.base_url`."""
        with serve(self.app) as base_url:
            self.base_url = base_url
            yield self

    def fail(self, endpoint: str, **kwargs) -> Fault:
        fault = Fault(endpoint, **kwargs)
        with self.lock:
            self.faults.append(fault)
        return fault

    def count(self, endpoint: str) -> int:
        return sum(1 for call in self.calls if call["endpoint"] == endpoint)

    def last(self, endpoint: str) -> dict:
        return [call for call in self.calls if call["endpoint"] == endpoint][-1]

    # --- what each fake provides ----------------------------------------------------------
    def account_of_request(self) -> str | None:
        return None

    def rate_headers(self, *, limit: int, remaining: int, reset: float) -> dict:
        return {}

    def rate_limited(self, headers: dict):
        return self.error(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, headers)

    def error(self, status: int, body: dict, headers: dict | None = None):
        response = jsonify(body)
        response.status_code = status
        response.headers.update(headers or {})
        return response

    # --- machinery ------------------------------------------------------------------------
    def _take(self, *, after: bool) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.after == after and fault.times > 0 and fault.endpoint in (request.endpoint, "*"):
                    fault.times -= 1
                    return fault
        return None

    def _before(self):
        with self.lock:
            self.calls.append({"endpoint": request.endpoint, "method": request.method, "path": request.path,
                               "headers": dict(request.headers), "args": request.args.to_dict(),
                               "form": request.form.to_dict(), "json": request.get_json(silent=True)})
        if self.delay:
            time.sleep(self.delay)
        fault = self._take(after=False)
        if fault is not None:
            time.sleep(fault.delay)
            if fault.status is not None:
                return self.error(fault.status, fault.body or {"error": "injected"}, fault.headers)
        return self._check_rate_limit()

    def _check_rate_limit(self):
        if self.rate_limit is None or request.endpoint not in self.limited_endpoints:
            return None
        account = self.account_of_request() or request.remote_addr or ""
        now = time.time()
        with self.lock:
            window = [t for t in self._usage.get((account, request.endpoint), []) if t > now - self.rate_window]
            reset = (window[0] if window else now) + self.rate_window
            if len(window) >= self.rate_limit:
                self._usage[(account, request.endpoint)] = window
                g.rate_headers = self.rate_headers(limit=self.rate_limit, remaining=0, reset=reset)
                return self.rate_limited(g.rate_headers)
            window.append(now)
            self._usage[(account, request.endpoint)] = window
            g.rate_headers = self.rate_headers(limit=self.rate_limit, remaining=self.rate_limit - len(window),
                                               reset=reset)
        return None

    def _after(self, response):
        for name, value in (getattr(g, "rate_headers", None) or {}).items():
            response.headers.setdefault(name, value)
        if response.status_code >= 400:
            return response
        fault = self._take(after=True)
        if fault is not None:
            time.sleep(fault.delay)
            if fault.status is not None:
                return self.error(fault.status, fault.body or {"error": "injected"}, fault.headers)
            response.headers.update(fault.headers or {})  # the normal answer, with these headers (rate limits)
        return response
