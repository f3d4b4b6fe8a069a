"""A small closed-loop HTTP load generator for loopback benchmarks.

Each of `connections` threads keeps one http.client keep-alive connection open and sends
the next request as soon as the previous answer is read. It stops after `max_requests`
requests or `max_seconds`, whichever comes first, and only ever talks to loopback.
"""
from __future__ import annotations

import http.client
import ipaddress
import itertools
import threading
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    tag: object = None  # whatever the caller wants back with the result


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds, per answered request
    statuses: dict[int, int] = field(default_factory=dict)
    answered: list[Request] = field(default_factory=list)  # requests that got an answer, with their status
    answered_status: list[int] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    cpu_per_request: float = float("nan")  # filled in by callers that measure the server

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.count / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    def merge(self, other: Result) -> None:
        self.latencies += other.latencies
        for status, n in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + n
        self.answered += other.answered
        self.answered_status += other.answered_status
        self.errors += other.errors
        self.elapsed += other.elapsed


def _check_loopback(host: str) -> None:
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"refusing to load-test a non-loopback address: {host}")


def run(host: str, port: int, requests: list[Request], *, connections: int = 8, max_seconds: float = 30.0) -> Result:
    """Send `requests` (each at most once, in order) over `connections` keep-alive connections."""
    _check_loopback(host)
    work = iter(requests)
    take = threading.Lock()
    deadline = time.perf_counter() + max_seconds
    results = [Result() for _ in range(connections)]

    def worker(result: Result) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        try:
            while time.perf_counter() < deadline:
                with take:
                    request = next(work, None)
                if request is None:
                    return
                started = time.perf_counter()
                try:
                    conn.request(request.method, request.path, headers=dict(request.headers))
                    response = conn.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException):
                    result.errors += 1
                    conn.close()
                    continue
                result.latencies.append(time.perf_counter() - started)
                result.statuses[response.status] = result.statuses.get(response.status, 0) + 1
                result.answered.append(request)
                result.answered_status.append(response.status)
                if response.will_close:
                    conn.close()  # http.client reconnects on the next request
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(r,), daemon=True) for r in results]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    total = Result()
    for r in results:
        total.merge(r)
    total.elapsed = elapsed
    return total


def chunks(items: list, n: int):
    """Split `items` into n nearly equal consecutive parts."""
    size, extra = divmod(len(items), n)
    it = iter(items)
    return [list(itertools.islice(it, size + (1 if i < extra else 0))) for i in range(n)]
