"""Real processes for the tests that need them: gunicorn web servers and `flask ambassador worker`s, on
loopback, configured through the environment as an operator would (production settings)."""
from __future__ import annotations

import base64
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# What production refuses to start without (ambassador/startup.py).
OPERATOR = {"AMBASSADOR_ENV": "production", "SECRET_KEY": "processes-secret", "CLICK_SALT": "processes-salt",
            "PUBLIC_BASE_URL": "https://amb.test.example",
            "TOKEN_KEYS": base64.urlsafe_b64encode(b"ambassador-processes-token-key-0").decode()}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(url: str, **settings) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GUNICORN", "WEB_CONCURRENCY"))}
    env.update(OPERATOR, DATABASE_URL=url, **{key: str(value) for key, value in settings.items()})
    return env


def request(port: int, path: str, *, method: str = "GET", headers: dict | None = None, body: str | None = None,
            timeout: float = 10.0) -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode(errors="replace")
    finally:
        conn.close()


class Process:
    """A child process logging to a file of its own."""

    def __init__(self, args: list[str], log: Path, env: dict[str, str]):
        self.log_path = log
        self._log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 40) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()
        finally:
            self._log.close()


class Web(Process):
    """`gunicorn -c gunicorn.conf.py wsgi:app` on a loopback port of its own."""

    def __init__(self, url: str, log: Path, *, workers: int = 1, **settings):
        self.port = free_port()
        super().__init__(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--workers", str(workers),
             "--bind", f"127.0.0.1:{self.port}", "wsgi:app"], log, environment(url, **settings))
        self._wait_ready(workers)

    def _wait_ready(self, workers: int) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}: {self.log()}")
            try:
                if request(self.port, "/ping", timeout=2)[0] == 200 and len(self.worker_pids()) == workers:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop(signal.SIGKILL)
        raise RuntimeError(f"gunicorn did not answer within 30 s: {self.log()}")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []


class Worker(Process):
    """`flask --app wsgi ambassador worker` (every periodic job at its interval) until stopped."""

    def __init__(self, url: str, log: Path, **settings):
        super().__init__([str(BIN / "flask"), "--app", "wsgi", "ambassador", "worker"], log,
                         environment(url, **settings))


def wait_for(check, *, timeout: float = 30, every: float = 0.1, what: str = "condition"):
    """Poll `check()` until it returns something truthy; that value, or AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what} (last: {value!r})")
        time.sleep(every)
