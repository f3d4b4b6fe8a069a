"""The real OpenID Connect provider of the SSO tests: tests/oidc/provider.mjs (panva/oidc-provider from npm)
on a loopback port, and a headless browser's part of the flow (following the provider's redirects).

`make test` installs its node modules (npm ci in tests/oidc). Without node or the modules the tests skip and
say why, except under CI=true, where that is a failure: these tests must run there.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

HERE = Path(__file__).resolve().parent
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
BASE = "http://localhost"  # the suite's PUBLIC_BASE_URL (tests/conftest.py)


def unavailable() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed (the SSO tests run tests/oidc/provider.mjs)"
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        return "tests/oidc/node_modules is missing: run `make test`, or `npm ci` in tests/oidc"
    return None


def client_for(base: str, slug: str) -> dict:
    """A client registered with the exact redirect URI of organization `slug` on the product at `base`."""
    return {"client_id": f"{slug}-ambassador", "client_secret": f"{slug}-secret-{'x' * 24}",
            "redirect_uris": [f"{base}/sso/{slug}/callback"]}


CLIENTS = {slug: client_for(BASE, slug) for slug in ("acme", "globex")}


class LocalProvider:
    def __init__(self, tmp: Path, clients: list[dict] | None = None, *, config: Path | None = None,
                 options: tuple[str, ...] = ()):
        if config is None:
            config = tmp / "oidc.json"
            config.write_text(json.dumps({"clients": clients or list(CLIENTS.values()), "accounts": {}}))
        self.log = tmp / "oidc.log"
        self.proc = subprocess.Popen(["node", str(HERE / "provider.mjs"), "--port", "0", "--config", str(config),
                                      *options], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.issuer = ""
        self._ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(timeout=30) or not self.issuer:
            self.stop()
            raise RuntimeError(f"the OIDC provider did not start: {self.log.read_text(errors='replace')[-2000:]}")

    def _read(self) -> None:
        """Copy the provider's output to its log; the first "ready <issuer>" line says where it listens."""
        assert self.proc.stdout is not None
        with open(self.log, "w") as log:
            for line in self.proc.stdout:
                log.write(line)
                log.flush()
                if line.startswith("ready ") and not self._ready.is_set():
                    self.issuer = line.split()[1]
                    self._ready.set()
        self._ready.set()  # the process ended (before or after being ready)

    def control(self, op: str, **values) -> dict:
        response = requests.post(f"{self.issuer}/__control", json={"op": op, **values}, timeout=10)
        response.raise_for_status()
        return response.json()

    def accounts(self, **accounts: dict) -> None:
        """accounts(**{"ann@acme.test": {"name": "Ann", "groups": ["amb-admins"]}}) replaces every account."""
        self.control("accounts", accounts=accounts)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start(tmp: Path, clients: list[dict] | None = None, **settings) -> LocalProvider:
    """The provider with these clients (or `config=` a config file, `options=` more command-line options)."""
    reason = unavailable()
    if reason:
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: the SSO tests must run)", pytrace=False)
        pytest.skip(reason)
    return LocalProvider(tmp, clients, **settings)


def through_provider(url: str, *, email: str | None = None, browser: requests.Session | None = None) -> str:
    """Play the browser at the provider from its authorization URL until it redirects back to the product;
    returns that callback URL. Without a login_hint the provider shows its form: `email` is typed in it."""
    browser = browser or requests.Session()
    for _hop in range(10):
        if url.startswith(BASE + "/"):
            return url
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.status_code == 200 and "<form" in response.text:
            action = response.text.split('action="', 1)[1].split('"', 1)[0]
            parts = urlsplit(url)
            response = browser.post(f"{parts.scheme}://{parts.netloc}{action}", data={"email": email or ""},
                                    allow_redirects=False, timeout=10)
        if response.status_code not in (302, 303):
            raise AssertionError(f"the provider answered {response.status_code}: {response.text[:500]}")
        location = response.headers["Location"]
        if location.startswith("/"):
            parts = urlsplit(url)
            location = f"{parts.scheme}://{parts.netloc}{location}"
        url = location
    raise AssertionError("the provider never redirected back")
