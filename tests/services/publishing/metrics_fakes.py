"""A scripted network that reports engagement and follower counts, for the metrics and followers services."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from ambassador.models import Share, ShareStatus, SocialAccount, utcnow
from ambassador.providers import registry
from ambassador.providers.base import Engagement, MetricsResult, Profile, ProviderError, SocialProvider, TokenSet
from ambassador.services.publishing import linked_shares


@dataclass
class Reads:
    """What the scripted networks report; every call they received."""

    figures: dict[str, Engagement] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    followers: dict[str, int | None] = field(default_factory=dict)
    errors: list[ProviderError] = field(default_factory=list)  # raised by the next calls, in order
    calls: list[tuple[str, list[str]]] = field(default_factory=list)
    follower_calls: list[str] = field(default_factory=list)

    def _raise_next(self) -> None:
        if self.errors:
            raise self.errors.pop(0)


def reading_class(name: str, reads: Reads, *, reports: bool) -> type[SocialProvider]:
    class Reading(SocialProvider):
        label = f"Reading {name}"
        metrics_batch = 2

        @classmethod
        def is_configured(cls, config):
            return True

        @classmethod
        def reports_engagement(cls, *, scopes):
            return reports

        @classmethod
        def reports_followers(cls):
            return reports

        def refresh(self, *, refresh_token, service_url=""):
            return TokenSet(access_token="new")

        def profiles(self, *, tokens, service_url=""):
            return [Profile(external_id="me", followers=reads.followers.get("me"))]

        def publish(self, *, account, request):
            raise AssertionError("no publishing here")

        def metrics(self, *, account, external_ids):
            assert 0 < len(external_ids) <= self.metrics_batch
            reads.calls.append((name, list(external_ids)))
            reads._raise_next()
            return MetricsResult(found={i: reads.figures[i] for i in external_ids if i in reads.figures},
                                 deleted={i for i in external_ids if i in reads.deleted})

        def follower_count(self, *, account):
            reads.follower_calls.append(account.external_id)
            reads._raise_next()
            return reads.followers.get(account.external_id)

    Reading.name = name
    return Reading


@pytest.fixture
def reads(monkeypatch):
    """Every network reads engagement except LinkedIn (as with the real adapters' scopes)."""
    return install_reads(monkeypatch)


def install_reads(monkeypatch) -> Reads:
    script = Reads()
    classes = {name: reading_class(name, script, reports=name != "linkedin")
               for name in ("linkedin", "x", "mastodon", "bluesky", "facebook")}
    monkeypatch.setattr(registry, "all_classes", lambda: dict(classes))
    monkeypatch.setattr(registry, "enabled", lambda config=None, **kw: {n: c(config or {}) for n, c in classes.items()})
    monkeypatch.setattr(registry, "get", lambda name, config=None, **kw: classes[name](config or {}))
    return script


def published(make, member, account: SocialAccount, external_id: str, *, at: datetime | None = None) -> Share:
    """An API share of a new post that the network published at `at` (default: an hour ago)."""
    post = make.post(make.campaign(member.organization))
    share = linked_shares.create_api_share(membership=member, post=post, account=account, caption="Look")
    share.status = ShareStatus.PUBLISHED
    share.external_id = external_id
    share.published_at = at or utcnow() - timedelta(hours=1)
    share.next_attempt_at = None
    return share
