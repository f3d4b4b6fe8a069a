"""One interface for every social network (DESIGN.md §4).

An adapter turns the network's HTTP API into these calls and typed results, and every
failure into a `ProviderError` whose `kind` says what the pipeline must do:

- RETRY: surely did not happen (connect error, 503 before processing, 5xx with an idempotency
  key the network honours) → try again later with backoff.
- RATE_LIMITED: 429 or the network's rate-limit headers → wait until `retry_at`, no retry storm.
- REAUTH: 401 / invalid_grant / revoked → the account needs reconnecting; tell its owner.
- REJECTED: the network refused the post (too long, duplicate, media refused) → failed, with
  the network's reason in words.
- UNKNOWN_OUTCOME: the request may have been processed (timeout after sending, 5xx after
  sending without idempotency) → `unconfirmed`, never re-posted by itself.
- CONFIG: our side is misconfigured (e.g. LinkedIn answers 426 for a retired API version).
"""
from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol


class ErrorKind(enum.StrEnum):
    RETRY = "retry"
    RATE_LIMITED = "rate_limited"
    REAUTH = "reauth"
    REJECTED = "rejected"
    UNKNOWN_OUTCOME = "unknown_outcome"
    CONFIG = "config"


class ProviderError(Exception):
    def __init__(self, kind: ErrorKind, message: str, *, status: int | None = None,
                 retry_at: datetime | None = None, app_wide: bool = False, code: str | None = None):
        super().__init__(message)
        self.code = code  # the network's own error name (e.g. Bluesky's "ExpiredToken"), when it gives one
        self.kind = kind
        self.message = message
        self.status = status
        self.retry_at = retry_at  # naive UTC; for RATE_LIMITED (and RETRY when the network says)
        self.app_wide = app_wide  # the limit applies to our whole app, not just this account

    def __repr__(self) -> str:
        return f"ProviderError({self.kind}, {self.message!r}, status={self.status})"


@dataclass
class TokenSet:
    access_token: str
    refresh_token: str | None = None
    expires_at: datetime | None = None  # naive UTC
    scopes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Profile:
    external_id: str
    handle: str = ""
    display_name: str = ""
    profile_url: str = ""
    # Some logins give access to several publishing identities (Facebook Pages): each one
    # becomes its own SocialAccount, with its own token.
    tokens: TokenSet | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Potential reach, when the network's profile answer carries it (None: unknown, never 0).
    followers: int | None = None


@dataclass
class PublishRequest:
    text: str  # the final text, link included
    link_url: str  # the tracked short link (for link cards)
    title: str = ""
    description: str = ""
    idempotency_key: str = ""  # stable per share
    language: str = ""  # BCP-47 tag of the text (e.g. "nl"), "" when unknown


@dataclass
class PublishResult:
    external_id: str
    url: str = ""
    # The call went through and spent the last call its rate limit allowed: no call for this account (or, when
    # wait_app_wide, our whole app on that network) before this naive UTC time, instead of earning a 429.
    wait_until: datetime | None = None
    wait_app_wide: bool = False


@dataclass
class AccountContext:
    """What an adapter needs to act for one account (decrypted, never stored like this)."""

    external_id: str
    access_token: str
    service_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Engagement:
    """What the network reports for one post; None where it does not give that figure (never 0 for unknown)."""

    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    impressions: int | None = None


@dataclass
class MetricsResult:
    """The answer for a batch of post ids: figures per id, the ids the network says are deleted.

    An id in neither (e.g. a post the network will not show us just now) is simply unknown this time."""

    found: dict[str, Engagement] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)


class AppClients(Protocol):
    """The client credentials of the app registered on one server (services/publishing/mastodon_apps.py)."""

    def client_for(self, *, service_url: str, redirect_uri: str) -> tuple[str, str]:
        """(client_id, client_secret), registering the app on first use."""

    def forget(self, *, service_url: str) -> None:
        """The server no longer knows our app: register anew next time."""


class SocialProvider(ABC):
    """Base class of the adapters; one instance per app, built from configuration."""

    name: ClassVar[str]  # registry key, also networks.NETWORKS key
    label: ClassVar[str]
    # "oauth": redirect to the network; "instance_oauth": ask the instance first (Mastodon);
    # "app_password": a form with handle + app password (Bluesky).
    connect_style: ClassVar[str] = "oauth"
    # The server settings (environment variables) that turn the network on: what an admin is told to set.
    settings: ClassVar[tuple[str, ...]] = ()
    can_refresh: ClassVar[bool] = True
    # True when publishing the same share twice cannot create two posts (Mastodon's
    # Idempotency-Key, Bluesky's fixed record key): a share left by a dead worker may be retried.
    idempotent_publish: ClassVar[bool] = False
    # How long the network remembers the key (None: for good). Past it, a retry could post twice.
    idempotency_window: ClassVar[timedelta | None] = None

    def __init__(self, config: dict[str, Any], *, clients: AppClients | None = None):
        self.config = config
        # Where adapters that register an app per server (Mastodon) keep its credentials; the
        # caller passes it in (services.mastodon_apps), so adapters never import services or models.
        self.clients = clients

    @classmethod
    @abstractmethod
    def is_configured(cls, config: dict[str, Any]) -> bool:
        """Are this network's credentials set? Unconfigured networks are not offered."""

    # OAuth (connect_style oauth / instance_oauth)
    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str,
                      service_url: str = "") -> str:
        raise NotImplementedError

    def exchange(self, *, code: str, redirect_uri: str, code_verifier: str, service_url: str = "") -> TokenSet:
        raise NotImplementedError

    # App passwords (connect_style app_password)
    def login(self, *, identifier: str, password: str, service_url: str = "") -> TokenSet:
        raise NotImplementedError

    @abstractmethod
    def refresh(self, *, refresh_token: str, service_url: str = "") -> TokenSet:
        """A new token set; raises ProviderError(REAUTH) when the grant is gone."""

    @abstractmethod
    def profiles(self, *, tokens: TokenSet, service_url: str = "") -> list[Profile]:
        """The identities these tokens can publish as (usually one)."""

    @abstractmethod
    def publish(self, *, account: AccountContext, request: PublishRequest) -> PublishResult:
        """Post once. Raise ProviderError with the right kind on any failure."""

    # --- engagement and potential reach (optional) -------------------------------------------
    # How many post ids one metrics call may carry (the network's documented batch limit).
    metrics_batch: ClassVar[int] = 1

    @classmethod
    def reports_engagement(cls, *, scopes: tuple[str, ...]) -> bool:
        """Can these granted scopes read engagement? False: the UI says the network does not report it."""
        return False

    @classmethod
    def reports_followers(cls) -> bool:
        """Does the network give this kind of account a follower/connection count?"""
        return False

    def metrics(self, *, account: AccountContext, external_ids: list[str]) -> MetricsResult:
        """Engagement of up to `metrics_batch` published posts. Raise ProviderError on failure."""
        raise NotImplementedError

    def follower_count(self, *, account: AccountContext) -> int | None:
        """Followers (or connections) of the account now; None when the network does not say."""
        return None


def count(value: Any) -> int | None:
    """A count from a network's JSON: a non-negative int, or None when it is absent or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    return number if number >= 0 else None
