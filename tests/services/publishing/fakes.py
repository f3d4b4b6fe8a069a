"""Test doubles for the publishing pipeline: a scripted adapter registered in place of the real ones,
linked accounts, due API shares. Fixtures of the publishing tests, tests/jobs/ and tests/infra/ (their conftest.py)."""
from __future__ import annotations

import itertools
import threading
from datetime import timedelta

import pytest

from ambassador.infra import crypto
from ambassador.models import Share, SocialAccount, utcnow
from ambassador.providers import registry
from ambassador.providers.base import (
    AccountContext,
    ErrorKind,
    Profile,
    ProviderError,
    PublishRequest,
    PublishResult,
    SocialProvider,
    TokenSet,
)
from ambassador.services.publishing import linked_shares

_seq = itertools.count(1)


class Script:
    """What the fake networks answer (in order; then success) and every publish they received."""

    def __init__(self):
        self.answers: list[object] = []
        self.calls: list[tuple[str, AccountContext, PublishRequest]] = []
        self.refresh_answers: list[object] = []
        self.refreshes: list[str] = []
        self.lock = threading.Lock()

    def answer(self, *answers) -> None:
        self.answers.extend(answers)

    def next_answer(self, queue: list[object], default):
        with self.lock:
            answer = queue.pop(0) if queue else default
        if callable(answer) and not isinstance(answer, type):
            answer = answer() or default  # e.g. a look at the database while the network is called
        if isinstance(answer, BaseException):
            raise answer
        return default if answer is None else answer

    def published(self, network: str | None = None) -> list[PublishRequest]:
        return [request for name, _, request in self.calls if network in (None, name)]


def fake_class(name: str, script: Script, *, idempotent: bool = False) -> type[SocialProvider]:
    class Fake(SocialProvider):
        label = f"Fake {name}"
        idempotent_publish = idempotent

        @classmethod
        def is_configured(cls, config):
            return True

        def refresh(self, *, refresh_token, service_url=""):
            script.refreshes.append(refresh_token)
            return script.next_answer(script.refresh_answers, TokenSet(
                access_token="new-access", refresh_token="new-refresh", expires_at=utcnow() + timedelta(hours=2)))

        def profiles(self, *, tokens, service_url=""):
            return [Profile(external_id="me")]

        def publish(self, *, account, request):
            with script.lock:
                script.calls.append((name, account, request))
                number = len(script.calls)
            return script.next_answer(script.answers, PublishResult(external_id=f"post-{number}",
                                                                    url=f"https://{name}.example/p/{number}"))

    Fake.name = name
    return Fake


@pytest.fixture
def network(monkeypatch):
    """Fake adapters for every network (Mastodon and Bluesky idempotent, like the real ones)."""
    script = Script()
    classes = {name: fake_class(name, script, idempotent=name in ("mastodon", "bluesky"))
               for name in ("linkedin", "x", "mastodon", "bluesky", "facebook")}
    monkeypatch.setattr(registry, "all_classes", lambda: dict(classes))
    monkeypatch.setattr(registry, "enabled", lambda config=None: {n: c(config or {}) for n, c in classes.items()})
    monkeypatch.setattr(registry, "get", lambda name, config=None: classes[name](config or {}))
    return script


@pytest.fixture
def member(make):
    """An ambassador of an organization with a disclosure and 5 points per share."""
    return make.member(make.org(disclosure="#employee", points_share=5, daily_share_points_cap=100))


@pytest.fixture
def post(make, member):
    return make.post(make.campaign(member.organization), hashtags="#launch", preview_title="Launch",
                     preview_description="What we launched", captions={"linkedin": "We launched!", "x": "Launch day"})


def error(kind: ErrorKind, message: str = "boom", **kw) -> ProviderError:
    return ProviderError(kind, message, **kw)


def account(db, member, provider: str = "linkedin", **kw) -> SocialAccount:
    n = next(_seq)
    kw.setdefault("access_token_enc", crypto.encrypt(f"access-{n}"))
    row = SocialAccount(org_id=member.org_id, membership_id=member.id, provider=provider, external_id=f"ext-{n}",
                        handle=f"@member{n}", extra={}, **kw)
    db.session.add(row)
    db.session.flush()
    return row


def due_share(member, post, acct, *, caption: str = "Have a look", minutes_ago: int = 1) -> Share:
    """An API share due `minutes_ago` minutes ago."""
    share = linked_shares.create_api_share(membership=member, post=post, account=acct, caption=caption)
    share.next_attempt_at = share.scheduled_at = utcnow() - timedelta(minutes=minutes_ago)
    return share
