"""Each ambassador's own short link per (post, network), with UTM parameters baked in."""
from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sqlalchemy as sa
from werkzeug.urls import iri_to_uri

from ...extensions import db
from ...infra.urls import absolute_url
from ...models import Membership, Post, TrackedLink

CODE_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10  # 57^10 ≈ 3.6e17: unguessable for enumeration


def short_url(code: str) -> str:
    """The absolute /s/<code> link that goes out in posts (links.follow, over PUBLIC_BASE_URL)."""
    return absolute_url("links.follow", code=code)


def placeholder_short_url() -> str:
    """A short link exactly as long as the real ones (every code has CODE_LENGTH symbols), to measure texts."""
    return short_url("x" * CODE_LENGTH)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def with_utm(url: str, *, network: str, campaign_slug: str) -> str:
    """Add utm_source/medium/campaign, keeping the link's own query (and its own utm_* if set)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {key for key, _ in query}
    for key, value in (("utm_source", network), ("utm_medium", "ambassador"), ("utm_campaign", campaign_slug)):
        if key not in present:
            query.append((key, value))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def link_for(*, membership: Membership, post: Post, network: str) -> TrackedLink:
    """The member's link for this post and network, created on first use."""
    if post.org_id != membership.org_id:
        raise ValueError("post and membership belong to different organizations")
    existing = db.session.scalar(sa.select(TrackedLink).where(
        TrackedLink.post_id == post.id, TrackedLink.membership_id == membership.id, TrackedLink.network == network))
    if existing is not None:
        return existing
    link = TrackedLink(
        org_id=post.org_id, post_id=post.id, membership_id=membership.id, network=network, code=new_code(),
        destination=with_utm(post.link_url, network=network, campaign_slug=post.campaign.slug),
    )
    # A concurrent request may create the same link: a savepoint lets us pick up theirs.
    try:
        with db.session.begin_nested():
            db.session.add(link)
    except sa.exc.IntegrityError:
        return db.session.scalars(sa.select(TrackedLink).where(
            TrackedLink.post_id == post.id, TrackedLink.membership_id == membership.id,
            TrackedLink.network == network)).one()
    return link


class LinkTarget(NamedTuple):
    """What the redirect needs about a link; links never change once created."""

    link_id: int
    org_id: int
    destination: str
    membership_id: int
    network: str


class LinkCache:
    """A small bounded LRU of code -> LinkTarget, so a repeated hit does not touch the database.

    Misses are not cached (a code may be created a moment later). A deleted link may be
    served from the cache until it falls out; its clicks are then dropped when written.
    """

    def __init__(self, maxsize: int = 10_000):
        self.maxsize = maxsize
        self._entries: OrderedDict[str, LinkTarget] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, code: str) -> LinkTarget | None:
        with self._lock:
            target = self._entries.get(code)
            if target is not None:
                self._entries.move_to_end(code)
            return target

    def put(self, code: str, target: LinkTarget) -> None:
        with self._lock:
            self._entries[code] = target
            self._entries.move_to_end(code)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


link_cache = LinkCache()


def looks_like_code(code: str) -> bool:
    """Cheap check before any lookup: garbage never reaches the database."""
    return 0 < len(code) <= 16 and code.isascii() and code.isalnum()


def resolve(code: str, *, cache: LinkCache = link_cache) -> LinkTarget | None:
    """The link behind a short code: from the cache, else one indexed query (then cached)."""
    if not looks_like_code(code):
        return None
    target = cache.get(code)
    if target is None:
        row = db.session.execute(
            sa.select(TrackedLink.id, TrackedLink.org_id, TrackedLink.destination, TrackedLink.membership_id,
                      TrackedLink.network).where(TrackedLink.code == code)).first()
        if row is None:
            return None
        link_id, org_id, destination, membership_id, network = row
        # A curator may have pasted an IRI (é, ü…): the Location header needs its URI form.
        target = LinkTarget(link_id, org_id, iri_to_uri(destination), membership_id, network)
        cache.put(code, target)
    return target
