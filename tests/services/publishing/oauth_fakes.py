"""Fake providers for the OAuth flows and connecting (no network); a plugin of the suite (tests/conftest.py):
the `fake_providers` fixture puts them in the registry, `calls(kind)` lists what they were asked."""
from __future__ import annotations

import threading
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from ambassador.models import utcnow
from ambassador.providers import registry
from ambassador.providers.base import ErrorKind, Profile, ProviderError, PublishResult, SocialProvider, TokenSet

CALLS: list[tuple[str, dict]] = []


class FakeProvider(SocialProvider):
    """Records every call in CALLS; behaviour follows the arguments (code 'bad' fails, …)."""

    name = "x"
    label = "Chirp"
    connect_style = "oauth"
    can_refresh = True
    external_id = "chirp-1"

    @classmethod
    def is_configured(cls, config) -> bool:
        return True

    def authorize_url(self, *, redirect_uri, state, code_challenge, service_url=""):
        CALLS.append(("authorize_url", {"redirect_uri": redirect_uri, "state": state,
                                        "code_challenge": code_challenge, "service_url": service_url}))
        if service_url.endswith("down.example"):
            raise ProviderError(ErrorKind.RETRY, "could not connect")
        base = service_url or f"https://auth.{self.name}.example"
        return f"{base}/authorize?" + urlencode({"redirect_uri": redirect_uri, "state": state,
                                                 "code_challenge": code_challenge, "code_challenge_method": "S256"})

    def exchange(self, *, code, redirect_uri, code_verifier, service_url=""):
        CALLS.append(("exchange", {"code": code, "redirect_uri": redirect_uri, "code_verifier": code_verifier,
                                   "service_url": service_url}))
        if code == "bad":
            raise ProviderError(ErrorKind.REAUTH, "invalid_grant", status=400)
        return TokenSet(access_token=f"access-{code}", refresh_token=f"refresh-{code}",
                        expires_at=utcnow() + timedelta(hours=2), scopes=("post",))

    def login(self, *, identifier, password, service_url=""):
        CALLS.append(("login", {"identifier": identifier, "password": password, "service_url": service_url}))
        if identifier == "offline.example":
            raise ProviderError(ErrorKind.RETRY, "could not connect")
        if password != "good-app-pass":
            raise ProviderError(ErrorKind.REAUTH, "Invalid identifier or password", status=401)
        return TokenSet(access_token="session-jwt", refresh_token="refresh-jwt")

    def refresh(self, *, refresh_token, service_url=""):
        CALLS.append(("refresh", {"refresh_token": refresh_token}))
        if refresh_token == "revoked":
            raise ProviderError(ErrorKind.REAUTH, "invalid_grant")
        if refresh_token == "flaky":
            raise ProviderError(ErrorKind.RETRY, "503")
        return TokenSet(access_token="fresh-access", refresh_token="" if refresh_token == "keep" else "fresh-refresh",
                        expires_at=utcnow() + timedelta(hours=2))

    def profiles(self, *, tokens, service_url=""):
        CALLS.append(("profiles", {"access_token": tokens.access_token, "service_url": service_url}))
        return [Profile(external_id=self.external_id, handle="@me", display_name="Me Myself",
                        profile_url=f"https://{self.name}.example/me")]

    def publish(self, *, account, request):
        return PublishResult(external_id="1")


class FakeLongToken(FakeProvider):
    """LinkedIn-style: long-lived tokens that cannot be refreshed."""

    name = "linkedin"
    label = "ProNet"
    can_refresh = False
    external_id = "urn:pro:1"


class FakeInstance(FakeProvider):
    name = "mastodon"
    label = "Tootville"
    connect_style = "instance_oauth"
    external_id = "toot-7"


class FakeAppPassword(FakeProvider):
    name = "bluesky"
    label = "Skyline"
    connect_style = "app_password"
    external_id = "did:plc:abc"


class FakeUnconfigured(FakeProvider):
    name = "facebook"
    label = "Facebook Pages"

    @classmethod
    def is_configured(cls, config) -> bool:
        return False


FAKES = (FakeProvider, FakeLongToken, FakeInstance, FakeAppPassword, FakeUnconfigured)


@pytest.fixture
def fake_providers(monkeypatch):
    """The registry knows only the fakes (registry.enabled/get see them like real adapters)."""
    monkeypatch.setattr(registry, "_CLASSES", {cls.name: cls for cls in FAKES})
    loaded = threading.Event()
    loaded.set()  # the real adapters must not be loaded into the fake registry
    monkeypatch.setattr(registry, "_LOADED", loaded)
    CALLS.clear()
    yield CALLS
    CALLS.clear()


def calls(kind: str) -> list[dict]:
    return [args for name, args in CALLS if name == kind]
