"""Sharing a post through a share-intent link: the member's own short link, a Share row, points.

The text that goes out is always built here (caption + hashtags + the disclosure for the
member's kind — employees' or customers' and partners' — + the short link), so the disclosure
cannot be dropped by editing the caption and the raw post link never leaves the platform.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from ... import networks
from ...errors import ServiceError
from ...extensions import db
from ...models import Membership, PointsEntry, Post, Share, ShareMethod, ShareStatus, TrackedLink, utcnow
from ..community import points
from . import languages, tracked_links
from .tracked_links import short_url

MAX_CAPTION_CHARS = 10_000  # a guard for networks without a limit (email, copy)


class ShareError(ServiceError):
    """Bad input for a share; the message is meant for the person next to the caption field."""

    code = "share"


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


def share_language(share: Share, words: languages.PostWords | None = None) -> str:
    """The BCP-47 tag of a share's text: the language of the post's words the member got (languages.py; `words`:
    the post's, when read already), else the member's language, else the organization's default; "" when none
    of them is a valid tag."""
    member, org = share.membership, share.membership.organization
    for value in (languages.text_for_member(words or share.post, member).lang, member.user.locale,
                  org.default_locale):
        tag = (value or "").strip().replace("_", "-")
        if tag and LANGUAGE_TAG_RE.match(tag):
            return tag
    return ""


def link_title(post: Post, membership: Membership, words: languages.PostWords | None = None) -> str:
    """The title a network's share dialog or link card gets: the page's preview title, else the post's
    title in the member's language (`words`: the post's, when read already)."""
    return post.preview_title or languages.text_for_member(words or post, membership).title


def carries_text(network: networks.Network) -> bool:
    """Does the network's share-intent take our text? (LinkedIn and XING only take the link.)"""
    return network.prefill_text and network.intent is not None and (
        network.intent == "email" or "{text}" in network.intent)


def suggested_caption(post: Post, network: str, membership: Membership | None = None) -> str:
    """The curator's caption for the network in the member's language (languages.text_for_member), else the
    first one written in that language (networks' order), else its title. Without a member: the first
    language the post has."""
    if membership is not None:
        text = languages.text_for_member(post, membership)
    else:
        text = languages.text_in(post, languages.choose_language(post, locale=None, default=""))
    return text.caption_for(network)


@dataclass(frozen=True)
class ComposedText:
    """A share's outgoing text and its length as its network counts it."""

    network: networks.Network
    text: str  # "" for an intent share on a network whose share link takes no text
    length: int
    limit: int | None  # the network's; None = no practical limit
    added: int  # what hashtags, disclosure and link add to the caption (the live counter's extra)

    @property
    def problem(self) -> str | None:
        """Why this text cannot go out (for the person next to the caption field), or None."""
        if self.limit is not None and self.length > self.limit:
            return lazy_ngettext("Too long for %(network)s: %(num)d character with the link and hashtags; "
                                 "the limit is %(limit)d. Shorten the caption.",
                                 "Too long for %(network)s: %(num)d characters with the link and hashtags; "
                                 "the limit is %(limit)d. Shorten the caption.",
                                 self.length, network=self.network.label, limit=self.limit)
        if len(self.text) > MAX_CAPTION_CHARS:
            return _l("This caption is too long.")
        return None

    @property
    def fits(self) -> bool:
        return self.problem is None

    def check(self) -> str:
        """The text, or ShareError with the problem."""
        if self.problem is not None:
            raise ShareError(self.problem)
        return self.text


def compose(*, network: str, caption: str, hashtags: str, disclosure: str, url: str | None = None,
            method: str = ShareMethod.API) -> ComposedText:
    """The one place a share's text is put together and measured: the caption, the hashtags and the
    disclosure (kept whatever the caption says), then the member's short link.

    `url` None measures with a placeholder (every short link has the same length); "" leaves the link
    out. An intent share on a network that takes no prefilled text sends no text at all.
    """
    net = networks.get(network)
    caption = networks.normalize_newlines(caption).strip()
    text = ""
    if method == ShareMethod.API or net.prefill_text:
        url = tracked_links.placeholder_short_url() if url is None else url
        text = networks.compose_text(caption=caption, disclosure=disclosure, url=url, hashtags=hashtags)
    length = net.length(text)
    return ComposedText(network=net, text=text, length=length, limit=net.limit,
                        added=max(length - net.length(caption), 0))


def compose_share(*, membership: Membership, post: Post, network: str, caption: str | None,
                  url: str | None = None, method: str = ShareMethod.API) -> ComposedText:
    """compose() for this member (their kind's disclosure) and post (its hashtags; without a caption
    of the member's, the suggested one)."""
    caption = suggested_caption(post, network, membership) if caption is None else caption
    return compose(network=network, caption=caption, hashtags=post.hashtags, disclosure=membership.disclosure,
                   url=url, method=method)


def already_rewarded(*, membership_id: int, post_id: int, network: str) -> bool:
    return db.session.scalar(
        sa.select(sa.literal(True)).select_from(PointsEntry)
        .join(Share, PointsEntry.share_id == Share.id)
        .where(PointsEntry.reason == "share", Share.membership_id == membership_id, Share.post_id == post_id,
               Share.network == network)
        .limit(1)) is not None


def rewarded_pairs(shares: Sequence[points.ShareFacts]) -> set[tuple[int, int, str]]:
    """Which of these shares' (member, post, network) already earned share points, through any share."""
    if not shares:
        return set()
    wanted = {(s.membership_id, s.post_id, s.network) for s in shares}
    # Two index lookups, not a join: joined, the planner may start from the ledger's share entries (all of
    # them) whenever its statistics lag behind a busy ledger, and each batch would pay for every award ever.
    candidates: dict[int, tuple[int, int, str]] = {}
    for share_id, member_id, post_id, network in db.session.execute(
            sa.select(Share.id, Share.membership_id, Share.post_id, Share.network)
            .where(Share.membership_id.in_({m for m, _p, _n in wanted}),
                   Share.post_id.in_({p for _m, p, _n in wanted}))).tuples():
        if (member_id, post_id, network) in wanted:
            candidates[share_id] = (member_id, post_id, network)
    if not candidates:
        return set()
    paid = db.session.scalars(sa.select(PointsEntry.share_id).where(
        PointsEntry.reason == "share", PointsEntry.share_id.in_(sorted(candidates))))
    return {candidates[share_id] for share_id in paid if share_id is not None}


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
    # Every short link has the same length, so a placeholder code measures the final text exactly.
    compose_share(membership=membership, post=post, network=network, caption=caption,
                  method=ShareMethod.INTENT).check()

    link = tracked_links.link_for(membership=membership, post=post, network=network)
    db.session.flush()
    _lock_link(link)
    url = short_url(link.code)
    text = compose_share(membership=membership, post=post, network=network, caption=caption, url=url,
                         method=ShareMethod.INTENT).text
    share = Share(org_id=membership.org_id, post_id=post.id, membership_id=membership.id, tracked_link_id=link.id,
                  network=network, method=ShareMethod.INTENT, status=ShareStatus.SHARED, caption=text,
                  created_at=utcnow())
    db.session.add(share)
    db.session.flush()
    awarded = None
    if not already_rewarded(membership_id=membership.id, post_id=post.id, network=network):
        awarded = points.award_share(share=share)
    intent = networks.get(network).intent_url(url=url, text=text, title=link_title(post, membership))
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


def share_options(*, post: Post, disclosure: str, membership: Membership | None = None) -> list[ShareOption]:
    """Every network the post can go to, in the networks table's order; `disclosure` is the member's, the
    suggested captions in the member's language."""
    options = []
    for net in networks.NETWORKS.values():
        caption = suggested_caption(post, net.key, membership) if net.prefill_text else ""
        measured = compose(network=net.key, caption=caption, hashtags=post.hashtags, disclosure=disclosure,
                           method=ShareMethod.INTENT)
        text = compose(network=net.key, caption=caption, hashtags=post.hashtags, disclosure=disclosure, url="",
                       method=ShareMethod.INTENT).text
        options.append(ShareOption(network=net, caption=caption, carries_text=carries_text(net),
                                   added=measured.added, text=text))
    return options
