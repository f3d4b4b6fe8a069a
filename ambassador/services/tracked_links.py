"""Each ambassador's own short link per (post, network), with UTM parameters baked in."""
from __future__ import annotations

import secrets
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sqlalchemy as sa

from ..extensions import db
from ..models import Membership, Post, TrackedLink

CODE_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10  # 57^10 ≈ 3.6e17: unguessable for enumeration


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
        return db.session.scalar(sa.select(TrackedLink).where(
            TrackedLink.post_id == post.id, TrackedLink.membership_id == membership.id,
            TrackedLink.network == network))
    return link


def find_by_code(code: str) -> TrackedLink | None:
    return db.session.scalar(sa.select(TrackedLink).where(TrackedLink.code == code))
