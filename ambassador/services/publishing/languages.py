"""Which language of a post a member reads and shares: the one place the choice is made.

A post has a title, a summary and captions per language (its organization's content languages).
A member gets their own language when the post has it, else the organization's default language,
else any language the post has — so no ambassador is handed an empty caption while another
language has one.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from ... import networks
from ...models import Membership, Organization, Post

LANGUAGE_NAMES = {"en": _l("English"), "nl": _l("Dutch"), "fr": _l("French")}


def language_name(lang: str) -> str:
    """The language's name in the reader's language ("Dutch" / "Nederlands"), for messages and tabs."""
    return str(LANGUAGE_NAMES.get(lang, lang))


@dataclass(frozen=True)
class PostText:
    """A post's words in one language."""

    lang: str
    title: str
    summary: str
    captions: dict[str, str] = field(default_factory=dict)  # network key → caption (only those written)

    def caption_for(self, network: str) -> str:
        """The caption for the network, else the first one written (networks' order), else the title."""
        fallbacks = (self.captions.get(key, "") for key in (network, *networks.CAPTION_NETWORKS))
        return next((text for text in fallbacks if text), self.title)


def post_languages(post: Post) -> list[str]:
    """The languages the post has words in (a title or a caption), sorted."""
    langs = {t.lang for t in post.translations if t.title.strip()} | {c.lang for c in post.captions if c.text}
    return sorted(langs)


def choose_language(post: Post, *, locale: str | None, default: str) -> str:
    """The member's locale if the post has it, else the organization's default, else the first the post has."""
    available = post_languages(post)
    for lang in (locale, default):
        if lang and lang in available:
            return lang
    return available[0] if available else default


def text_in(post: Post, lang: str) -> PostText:
    translation = post.translation(lang)
    title = (translation.title if translation else "") or post.title
    return PostText(lang=lang, title=title, summary=translation.summary if translation else "",
                    captions={c.network: c.text for c in post.captions if c.lang == lang and c.text})


def text_for(post: Post, *, locale: str | None, org: Organization) -> PostText:
    """The post's words for someone reading in `locale`, in the organization `org` (the post's own)."""
    if post.org_id != org.id:
        raise ValueError("post of another organization")
    return text_in(post, choose_language(post, locale=locale, default=org.default_locale))


def text_for_member(post: Post, member: Membership) -> PostText:
    """What an ambassador sees and shares of a post: feed card, share composition, queued and auto shares."""
    return text_for(post, locale=member.user.locale, org=member.organization)
