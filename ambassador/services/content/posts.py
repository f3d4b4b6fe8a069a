"""Posts: validated link, preview, captions within each network's limit, window, audience, image."""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from ... import networks
from ...extensions import db
from ...infra import open_graph, uploads
from ...models import (
    AUDIENCES,
    Audience,
    Campaign,
    MemberKind,
    Organization,
    Post,
    PostCaption,
    PostStatus,
    PostTranslation,
    User,
)
from ..publishing import languages, sharing
from .campaigns import ContentError, check_window, org_teams

MAX_CAPTION = 5000  # for networks without a limit of their own (email)
HOST_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")
TAG_RE = re.compile(r"^\w+$", re.UNICODE)


@dataclass
class LanguageInput:
    """A post's words in one of the organization's other content languages (all optional)."""

    title: str = ""
    summary: str = ""
    captions: dict[str, str] = field(default_factory=dict)


MAX_SUMMARY = 2000


@dataclass
class PostInput:
    title: str
    link_url: str
    preview_title: str = ""
    preview_description: str = ""
    preview_image_url: str = ""
    hashtags: str = ""
    visible_from: datetime | None = None
    expires_at: datetime | None = None
    audience: str = Audience.EVERYONE
    team_ids: list[int] = field(default_factory=list)
    captions: dict[str, str] = field(default_factory=dict)  # in the organization's default language
    summary: str = ""  # in the organization's default language
    # The organization's other content languages: lang → their title, summary and captions.
    translations: dict[str, LanguageInput] = field(default_factory=dict)
    image: uploads.PendingImage | None = None  # held by drafts.hold_image; kept when the post saves
    remove_image: bool = False


def clean_link(url: str) -> str:
    """The link if it is http(s) to a real host name or public address; ContentError otherwise."""
    url = (url or "").strip()
    message = _l("Enter a full web address starting with http:// or https://.")
    if not url or len(url) > 2048 or any(c.isspace() for c in url):
        raise ContentError({"link_url": message})
    parts = urlsplit(url)
    try:
        host = (parts.hostname or "").rstrip(".")
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        raise ContentError({"link_url": message}) from None
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise ContentError({"link_url": message})
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None and not address.is_global:
        raise ContentError({"link_url": _l("Link to a public web site, not a private address.")})
    if address is None and not HOST_RE.match(_ascii_host(host)):
        raise ContentError({"link_url": _l("That web address has no valid host name.")})
    return url


def _ascii_host(host: str) -> str:
    try:
        return host.lower() if host.isascii() else host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return ""


def clean_hashtags(text: str) -> str:
    """'#Ghent, retail #ghent' → '#Ghent #retail' (one # each, no duplicates)."""
    tags: list[str] = []
    for raw in re.split(r"[\s,;]+", text or ""):
        tag = raw.lstrip("#")
        if not tag:
            continue
        if not TAG_RE.match(tag):
            raise ContentError({"hashtags": _l("A hashtag has letters, digits and _ only: %(tag)s", tag=raw)})
        if tag.lower() not in (t.lower() for t in tags):
            tags.append(tag)
    result = " ".join(f"#{t}" for t in tags)
    if len(result) > 300:
        raise ContentError({"hashtags": _l("Too many hashtags.")})
    return result


def shared_length(*, network: str, caption: str, hashtags: str, disclosure: str) -> int:
    """How long the text that actually goes out is: caption + hashtags + disclosure + short link."""
    return sharing.compose(network=network, caption=caption, hashtags=hashtags, disclosure=disclosure).length


def caption_extra(*, network: str, hashtags: str, disclosure: str) -> int:
    """What the live counter adds to the caption's own length (space, tags, disclosure, link)."""
    return shared_length(network=network, caption="", hashtags=hashtags, disclosure=disclosure) + 1


def audience_disclosures(org: Organization, audience: str) -> dict[str, str]:
    """The disclosure each kind of member who may share a post of this audience adds, by kind.

    Internal-only posts are shared by employees alone; the others by customers and partners too.
    """
    kinds = (MemberKind.INTERNAL,) if audience == Audience.INTERNAL else tuple(MemberKind)
    return {kind: org.disclosure_for(kind) for kind in kinds}


def counting_rules() -> dict:
    """networks.counting_rules() with the limit of networks that have none, for the browser's counters."""
    return networks.counting_rules(max_caption=MAX_CAPTION)


def fill_missing_preview(data: PostInput) -> None:
    """No preview typed at all: take the page's Open Graph tags, when it can be read."""
    if data.preview_title.strip() or data.preview_description.strip() or data.preview_image_url.strip():
        return
    try:
        url = clean_link(data.link_url)
    except ContentError:
        return
    preview = open_graph.fetch_preview(url=url)
    if preview is not None:
        data.preview_title, data.preview_description = preview.title, preview.description
        data.preview_image_url = preview.image_url


def check_captions(*, captions: dict[str, str], hashtags: str, disclosure: str) -> dict[str, str]:
    errors = {}
    for key, text in captions.items():
        if key not in networks.CAPTION_NETWORKS:
            continue
        net = networks.get(key)
        if not text.strip():
            continue
        used = shared_length(network=key, caption=text, hashtags=hashtags, disclosure=disclosure)
        limit = net.limit or MAX_CAPTION
        if used > limit:
            errors[f"caption_{key}"] = lazy_ngettext(
                "Too long for %(network)s: %(used)d of %(num)d character, counting hashtags, disclosure and link.",
                "Too long for %(network)s: %(used)d of %(num)d characters, counting hashtags, disclosure and link.",
                limit, network=net.label, used=used)
    return errors


@dataclass
class CaptionReport:
    network: networks.Network
    caption: str
    text: str  # what goes out, with a placeholder short link
    used: int
    limit: int | None


def caption_report(*, post: Post, disclosure: str, lang: str) -> list[CaptionReport]:
    """Per caption network: the text that will go out in `lang` and its length against the limit."""
    rows = []
    for key in networks.CAPTION_NETWORKS:
        caption = post.caption_for(key, lang)
        if caption:
            composed = sharing.compose(network=key, caption=caption, hashtags=post.hashtags, disclosure=disclosure)
            rows.append(CaptionReport(composed.network, caption, composed.text, composed.length, composed.limit))
    return rows


def _validate(*, org: Organization, data: PostInput) -> dict:
    """Everything checked before anything is written; returns the cleaned values."""
    errors: dict[str, object] = {}
    cleaned: dict = {}
    if not data.title.strip():
        errors["title"] = _l("Give the post a title.")
    elif len(data.title.strip()) > 200:
        errors["title"] = lazy_ngettext("At most %(num)d character.", "At most %(num)d characters.", 200)
    if len(data.summary.strip()) > MAX_SUMMARY:
        errors["summary"] = lazy_ngettext("At most %(num)d character.", "At most %(num)d characters.", MAX_SUMMARY)
    for lang, words in _other_languages(org, data).items():
        if len(words.title.strip()) > 200:
            errors[f"title_{lang}"] = lazy_ngettext("At most %(num)d character.", "At most %(num)d characters.", 200)
        if len(words.summary.strip()) > MAX_SUMMARY:
            errors[f"summary_{lang}"] = lazy_ngettext("At most %(num)d character.", "At most %(num)d characters.",
                                                      MAX_SUMMARY)
    if data.audience not in AUDIENCES:
        errors["audience"] = _l("Unknown audience.")
    for name, check in (("link_url", clean_link), ("hashtags", clean_hashtags)):
        try:
            cleaned[name] = check(getattr(data, name))
        except ContentError as exc:
            errors.update(exc.field_errors)
    image_url = data.preview_image_url.strip()
    if image_url and urlsplit(image_url).scheme not in ("http", "https"):
        errors["preview_image_url"] = _l("Enter a full web address starting with http:// or https://.")
    try:
        check_window(data.visible_from, data.expires_at, field_name="expires_at")
        cleaned["teams"] = org_teams(org=org, team_ids=data.team_ids)
    except ContentError as exc:
        errors.update(exc.field_errors)
    if "hashtags" in cleaned:
        # Every kind of member who may share it must fit: employees' and customers' disclosures differ.
        # Every language is measured on its own: a Dutch caption too long for X names Dutch.
        others = {lang: words.captions for lang, words in _other_languages(org, data).items()}
        for disclosure in sorted(set(audience_disclosures(org, data.audience).values()), key=len, reverse=True):
            for key, message in check_captions(captions=data.captions, hashtags=cleaned["hashtags"],
                                               disclosure=disclosure).items():
                errors.setdefault(key, message)
            for lang, captions in others.items():
                for key, message in check_captions(captions=captions, hashtags=cleaned["hashtags"],
                                                   disclosure=disclosure).items():
                    errors.setdefault(key.replace("caption_", f"caption_{lang}_", 1), _l(
                        "In %(language)s: %(problem)s", language=languages.language_name(lang), problem=message))
    if errors:
        raise ContentError(errors)
    return cleaned


def _other_languages(org: Organization, data: PostInput) -> dict[str, LanguageInput]:
    """The submitted words of the organization's other content languages (others are ignored)."""
    return {lang: data.translations[lang] for lang in org.post_languages[1:] if lang in data.translations}


def _set_captions(post: Post, captions: dict[str, str], lang: str) -> None:
    existing = {c.network: c for c in post.captions if c.lang == lang}
    for key in networks.CAPTION_NETWORKS:
        text = networks.normalize_newlines(captions.get(key) or "").strip()
        if text and key in existing:
            existing[key].text = text
        elif text:
            post.captions.append(PostCaption(network=key, lang=lang, text=text))
        elif key in existing:
            post.captions.remove(existing[key])


def _set_words(post: Post, lang: str, *, title: str, summary: str, captions: dict[str, str]) -> None:
    """One language's title, summary and captions; a language left empty keeps no row."""
    title, summary = title.strip(), networks.normalize_newlines(summary).strip()
    translation = post.translation(lang)
    if title or summary:
        if translation is None:
            translation = PostTranslation(lang=lang)
            post.translations.append(translation)
        translation.title, translation.summary = title, summary
    elif translation is not None:
        post.translations.remove(translation)
    _set_captions(post, captions, lang)


def save_post(*, org: Organization, campaign: Campaign, author: User | None, data: PostInput,
              post: Post | None = None) -> tuple[Post, str | None]:
    """Create or update a post. Returns it and a replaced image file to delete once committed.

    Nothing is written (no row, no file) unless every field is valid and the image is accepted.
    """
    if campaign.org_id != org.id or (post is not None and post.org_id != org.id):
        raise ValueError("campaign or post of another organization")
    cleaned = _validate(org=org, data=data)
    stored = None
    if data.image is not None:
        try:
            stored = uploads.keep_pending(data.image, folder=f"org-{org.id}/posts")
        except uploads.UploadError as exc:
            raise ContentError({"image": exc.args[0]}) from None
    if post is None:
        post = Post(org_id=org.id, campaign_id=campaign.id, created_by_id=author.id if author else None,
                    status=PostStatus.DRAFT)
        db.session.add(post)
    stale = None
    if stored is not None or data.remove_image:
        stale, post.image_path = post.image_path, stored.path if stored else None
    post.title = data.title.strip()
    post.link_url = cleaned["link_url"]
    post.preview_title = data.preview_title.strip()[:300]
    post.preview_description = data.preview_description.strip()
    post.preview_image_url = data.preview_image_url.strip()
    post.hashtags = cleaned["hashtags"]
    post.visible_from, post.expires_at = data.visible_from, data.expires_at
    post.audience = data.audience
    post.teams = cleaned["teams"]
    _set_words(post, org.default_locale, title=post.title, summary=data.summary, captions=data.captions)
    for lang, words in _other_languages(org, data).items():
        _set_words(post, lang, title=words.title, summary=words.summary, captions=words.captions)
    try:
        db.session.flush()
    except Exception:
        if stored is not None:
            uploads.delete_file(stored.path)
        raise
    return post, stale


def campaign_posts(*, campaign: Campaign) -> list[Post]:
    return list(db.session.scalars(
        sa.select(Post).where(Post.org_id == campaign.org_id, Post.campaign_id == campaign.id)
        .order_by(Post.created_at.desc(), Post.id.desc())))
