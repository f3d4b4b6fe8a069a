"""`make sso-demo` (README "Single sign-on"): the demo provider accepts the demo organization's callback on
whatever port `make run` serves, since the provider compares redirect URIs exactly."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from tests.oidc import local_provider

ROOT = Path(__file__).resolve().parents[2]


def _authorize(issuer: str, redirect_uri: str) -> requests.Response:
    return requests.get(f"{issuer}/auth", params={
        "client_id": "ambassador-demo", "redirect_uri": redirect_uri, "response_type": "code", "scope": "openid",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256",
        "state": "s", "nonce": "n"}, allow_redirects=False, timeout=10)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_sso_demo_registers_the_callback_of_the_port_make_run_serves_on():
    dry_run = subprocess.run(["make", "-n", "sso-demo", "PORT=8123"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout
    assert "--redirect-uri http://127.0.0.1:8123/sso/demo/callback" in dry_run
    tunnel = subprocess.run(["make", "-n", "sso-demo", "PUBLIC_BASE_URL=https://amb.example.org"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    assert "--redirect-uri https://amb.example.org/sso/demo/callback" in tunnel


def test_the_redirect_uri_option_replaces_the_demo_clients_registered_one(tmp_path):
    provider = local_provider.start(tmp_path, config=local_provider.HERE / "demo.json",
                                    options=("--redirect-uri", "http://127.0.0.1:8123/sso/demo/callback"))
    try:
        accepted = _authorize(provider.issuer, "http://127.0.0.1:8123/sso/demo/callback")
        assert accepted.status_code in (302, 303) and "/interaction/" in accepted.headers["Location"]
        refused = _authorize(provider.issuer, "http://127.0.0.1:5000/sso/demo/callback")
        assert refused.status_code == 400 and "invalid_redirect_uri" in refused.text
    finally:
        provider.stop()
