"""Sharing a post through a share-intent link: the member's own short link, a Share row, points.

The text that goes out is always built here (caption + hashtags + the disclosure for the
member's kind — employees' or customers' and partners' — + the short link), so the disclosure
cannot be dropped by editing the caption and the raw post link never leaves the platform.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import networks
from ..extensions import db
from ..models import Membership, PointsEntry, Post, Share, ShareMethod, ShareStatus, TrackedLink, utcnow
from . import points, tracked_links
from .tracked_links import short_url

MAX_CAPTION_CHARS = 10_000  # a guard for networks without a limit (email, copy)


class ShareError(ValueError):
    """Bad input for a share; the message is meant for the person next to the caption field."""


@dataclass
class ShareResult:
    share: Share
    link: TrackedLink
    url: str  # the absolute short link
    text: str  # the final text that goes out ("" where the network forbids prefilled text)
    intent_url: str | None  # where the browser goes next; None = show the link to copy
    points: PointsEntry | None


def split_short_link(share: Share) -> tuple[str, str | None]:
    """(the stored text without the member's short link at its end, that link or None).

    Matched by its code, not the whole address: the text may have been stored under another
    PUBLIC_BASE_URL, or (before it was required) with a relative /s/<code> link.
    """
    text = (share.caption or "").rstrip()
    head, _sep, last = text.rpartition(" ")
    if last.endswith(f"/s/{share.tracked_link.code}") and last.startswith(("/", "http://", "https://")):
        return head.rstrip(), last
    return text, None


def text_with_current_link(share: Share) -> str:
    """The stored text with its short link as PUBLIC_BASE_URL gives it now (what is sent to a network)."""
    head, link = split_short_link(share)
    if link is None:
        return share.caption or ""
    return f"{head} {short_url(share.tracked_link.code)}".strip()


LANGUAGE_TAG_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def share_language(share: Share) -> str:
    """The BCP-47 tag of a share's text: the post's language (posts have none yet), else the member's
    language, else the organization's default; "" when none of them is a valid tag."""
    member, org = share.membership, share.membership.organization
    for value in (getattr(share.post, "language", None), member.user.locale, org.default_locale):
        tag = (value or "").strip().replace("_", "-")
        if tag and LANGUAGE_TAG_RE.match(tag):
            return tag
    return ""


def carries_text(network: networks.Network) -> bool:
    """Does the network's share-intent take our text? (LinkedIn and XING only take the link.)"""
    return network.prefill_text and network.intent is not None and (
        network.intent == "email" or "{text}" in network.intent)


def suggested_caption(post: Post, network: str) -> str:
    """The curator's caption for the network, else the first one written (networks' order), else the title."""
    fallbacks = (post.caption_for(key) for key in (network, *networks.CAPTION_NETWORKS))
    return next((text for text in fallbacks if text), post.title)


def final_text(*, post: Post, network: str, caption: str, disclosure: str, url: str) -> str:
    if not networks.get(network).prefill_text:
        return ""
    return networks.compose_text(caption=caption, disclosure=disclosure, url=url, hashtags=post.hashtags)


def added_length(*, post: Post, network: str, caption: str, disclosure: str) -> int:
    """How much the hashtags, disclosure and short link add to the caption (for the live counter)."""
    net = networks.get(network)
    url = tracked_links.placeholder_short_url()
    text = final_text(post=post, network=network, caption=caption, disclosure=disclosure, url=url)
    return max(net.length(text) - net.length(caption.strip()), 0)


def check_length(*, network: str, text: str) -> None:
    net = networks.get(network)
    used = net.length(text)
    if net.limit is not None and used > net.limit:
        raise ShareError(_l("Too long for %(network)s: %(used)d characters with the link and hashtags; "
                            "the limit is %(limit)d. Shorten the caption.",
                            network=net.label, used=used, limit=net.limit))
    if len(text) > MAX_CAPTION_CHARS:
        raise ShareError(_l("This caption is too long."))


def already_rewarded(*, membership_id: int, post_id: int, network: str) -> bool:
    return db.session.scalar(
        sa.select(sa.literal(True)).select_from(PointsEntry)
        .join(Share, PointsEntry.share_id == Share.id)
        .where(PointsEntry.reason == "share", Share.membership_id == membership_id, Share.post_id == post_id,
               Share.network == network)
        .limit(1)) is not None


def _lock_link(link: TrackedLink) -> None:
    """Serialize shares of one (member, post, network) on PostgreSQL, so points are awarded once."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(TrackedLink.id).where(TrackedLink.id == link.id).with_for_update())


def share_post(*, membership: Membership, post: Post, network: str, caption: str | None) -> ShareResult:
    """Record an intent share of a live post (the caller checked it is live) and award its points.

    Raises ShareError, before writing anything, for an unknown network or a caption too long.
    Points: at most one share award per (member, post, network); sharing again is recorded, not paid.
    """
    if network not in networks.NETWORKS:
        raise ShareError(_l("Unknown network."))
    if post.org_id != membership.org_id:
        raise ValueError("post and membership belong to different organizations")
    disclosure = membership.disclosure
    caption = suggested_caption(post, network) if caption is None else caption.strip()
    # Every short link has the same length, so a placeholder code measures the final text exactly.
    check_length(network=network, text=final_text(post=post, network=network, caption=caption,
                                                  disclosure=disclosure, url=tracked_links.placeholder_short_url()))

    link = tracked_links.link_for(membership=membership, post=post, network=network)
    db.session.flush()
    _lock_link(link)
    url = short_url(link.code)
    text = final_text(post=post, network=network, caption=caption, disclosure=disclosure, url=url)
    share = Share(org_id=membership.org_id, post_id=post.id, membership_id=membership.id, tracked_link_id=link.id,
                  network=network, method=ShareMethod.INTENT, status=ShareStatus.SHARED, caption=text,
                  created_at=utcnow())
    db.session.add(share)
    db.session.flush()
    awarded = None
    if not already_rewarded(membership_id=membership.id, post_id=post.id, network=network):
        awarded = points.award_share(share=share)
    intent = networks.get(network).intent_url(url=url, text=text, title=post.preview_title or post.title)
    return ShareResult(share=share, link=link, url=url, text=text, intent_url=intent, points=awarded)


def own_share(*, membership: Membership, share_id: int) -> Share | None:
    """One of the member's own shares (for the copy-link page), or None."""
    return db.session.scalar(sa.select(Share).where(
        Share.id == share_id, Share.org_id == membership.org_id, Share.membership_id == membership.id))


@dataclass
class ShareOption:
    """What a feed card offers for one network."""

    network: networks.Network
    caption: str  # the suggested caption, editable
    added: int  # what hashtags, disclosure and link add to the count
    carries_text: bool
    text: str  # what goes out with the suggested caption, before the member's link ("" without prefilled text)


def share_options(*, post: Post, disclosure: str) -> list[ShareOption]:
    """Every network the post can go to, in the networks table's order; `disclosure` is the member's."""
    options = []
    for net in networks.NETWORKS.values():
        caption = suggested_caption(post, net.key) if net.prefill_text else ""
        options.append(ShareOption(network=net, caption=caption, carries_text=carries_text(net),
                                   added=added_length(post=post, network=net.key, caption=caption,
                                                      disclosure=disclosure),
                                   text=final_text(post=post, network=net.key, caption=caption,
                                                   disclosure=disclosure, url="")))
    return options
