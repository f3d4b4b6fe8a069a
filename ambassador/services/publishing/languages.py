"""Which language of a post a member reads and shares: the one place the choice is made.

A post has a title, a summary and captions per language (its organization's content languages).
A member gets their own language when the post has it, else the organization's default language,
else any language the post has — so no ambassador is handed an empty caption while another
language has one.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ... import networks
from ...extensions import db
from ...infra import compiled
from ...infra.json_sql import in_json_ids, json_ids
from ...models import Membership, Organization, Post, PostCaption, PostTranslation

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


class Translation(NamedTuple):
    lang: str
    title: str
    summary: str


class Caption(NamedTuple):
    network: str
    lang: str
    text: str


@dataclass(frozen=True)
class PostWords:
    """A post's words in every language, read without loading its captions and translations as entities (the
    publishing worker reads them for every batch): the choice below works on it as on the post itself."""
    org_id: int
    title: str
    translations: list[Translation] = field(default_factory=list)
    captions: list[Caption] = field(default_factory=list)

    def translation(self, lang: str) -> Translation | None:
        return next((t for t in self.translations if t.lang == lang), None)


@functools.cache
def _words_statement() -> sa.CompoundSelect:
    """The translations and captions of the posts in the JSON list `ids`, as (post, kind, lang, a, b): one
    statement, compiled once whatever the number of posts."""
    return sa.union_all(
        sa.select(PostTranslation.post_id, sa.literal("t"), PostTranslation.lang, PostTranslation.title,
                  PostTranslation.summary).where(in_json_ids(PostTranslation.post_id, "ids")),
        sa.select(PostCaption.post_id, sa.literal("c"), PostCaption.lang, PostCaption.network, PostCaption.text)
        .where(in_json_ids(PostCaption.post_id, "ids")))


def words_of(posts: Iterable[Post]) -> dict[int, PostWords]:
    """{post id: its words} of these posts, in one statement."""
    found = {post.id: PostWords(org_id=post.org_id, title=post.title) for post in posts}
    if not found:
        return {}
    for post_id, kind, lang, a, b in compiled.read(db.session, _words_statement(), {"ids": json_ids(found)}):
        words = found[post_id]
        if kind == "t":
            words.translations.append(Translation(lang=lang, title=a or "", summary=b or ""))
        else:
            words.captions.append(Caption(network=a, lang=lang, text=b or ""))
    return found


def post_languages(post: Post | PostWords) -> list[str]:
    """The languages the post has words in (a title or a caption), sorted."""
    langs = {t.lang for t in post.translations if t.title.strip()} | {c.lang for c in post.captions if c.text}
    return sorted(langs)


def choose_language(post: Post | PostWords, *, locale: str | None, default: str) -> str:
    """The member's locale if the post has it, else the organization's default, else the first the post has."""
    available = post_languages(post)
    for lang in (locale, default):
        if lang and lang in available:
            return lang
    return available[0] if available else default


def text_in(post: Post | PostWords, lang: str) -> PostText:
    translation = post.translation(lang)
    title = (translation.title if translation else "") or post.title
    return PostText(lang=lang, title=title, summary=translation.summary if translation else "",
                    captions={c.network: c.text for c in post.captions if c.lang == lang and c.text})


def text_for(post: Post | PostWords, *, locale: str | None, org: Organization) -> PostText:
    """The post's words for someone reading in `locale`, in the organization `org` (the post's own)."""
    if post.org_id != org.id:
        raise ValueError("post of another organization")
    return text_in(post, choose_language(post, locale=locale, default=org.default_locale))


def text_for_member(post: Post | PostWords, member: Membership) -> PostText:
    """What an ambassador sees and shares of a post: feed card, share composition, queued and auto shares."""
    return text_for(post, locale=member.user.locale, org=member.organization)
