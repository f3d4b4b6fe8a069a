"""The post editor's view of a post not saved yet: the image it holds across a failed submission, and
how each network will show it (text with hashtags, disclosure and link; the link card).

The browser redraws the same previews as the curator types (static/js/editor.js, with count.js's
composeText and the counting rules of networks.py), so both come from one set of rules.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from ... import networks
from ...infra import uploads
from ...models import Organization, User
from ..publishing import sharing, tracked_links
from .campaigns import ContentError
from .posts import clean_hashtags

# The parts of a preview's text that networks show as links and hashtags (editor.js marks the same).
PARTS_RE = re.compile(f"(?P<link>{networks.URL_PATTERN})|(?P<tag>(?<![\\w#@])#\\w+)")
NO_LONGER_THERE = _l("The image you chose earlier is no longer available; choose it again.")


def hold_image(*, org: Organization, user: User, upload, token: str,
               discard: bool = False) -> uploads.PendingImage | None:
    """The image a submission of the post form carries, held until the post is saved.

    A new file is checked and held (ContentError on the image field when refused); otherwise the
    one an earlier submission held (its token from the hidden field), only if it was held for this
    person in this organization. `discard` (the "remove" box) lets go of an earlier one.
    """
    if upload is not None and getattr(upload, "filename", None):
        try:
            return uploads.hold_image(upload, org_id=org.id, user_id=user.id)
        except uploads.UploadError as exc:
            raise ContentError({"image": exc.args[0] if exc.args else _l("The image was not accepted.")}) from None
    if not token:
        return None
    held = uploads.pending_image(token, org_id=org.id, user_id=user.id)
    if held is None:
        raise ContentError({"image": NO_LONGER_THERE})
    if discard:
        uploads.delete_file(held.path)
        return None
    return held


def short_link_stand_in() -> str:
    """What the previews show for each ambassador's own short link: one exactly as long."""
    return tracked_links.placeholder_short_url()


def lenient_hashtags(text: str) -> str:
    """The hashtags as they will be cleaned, or none while one of them is not valid yet (as count.js does)."""
    try:
        return clean_hashtags(text)
    except ContentError:
        return ""


@dataclass
class CaptionPreview:
    network: networks.Network
    text: str  # as it goes out, with the placeholder short link; "" without a caption
    used: int  # the longest over the audience's disclosures: it must fit for every member who shares
    limit: int | None


def caption_previews(*, captions: dict[str, str], hashtags: str, disclosures: Iterable[str]) -> list[CaptionPreview]:
    """Per caption network: the text shown (with the first disclosure) and its length against the limit."""
    tags = lenient_hashtags(hashtags)
    disclosures = list(dict.fromkeys(disclosures)) or [""]
    rows = []
    for key in networks.CAPTION_NETWORKS:
        caption = captions.get(key) or ""
        composed = [sharing.compose(network=key, caption=caption, hashtags=tags, disclosure=d) for d in disclosures]
        shown = composed[0]
        rows.append(CaptionPreview(network=shown.network, text=shown.text if caption.strip() else "",
                                   used=max(c.length for c in composed), limit=shown.limit))
    return rows


@dataclass
class LinkCard:
    host: str
    title: str
    description: str
    image_url: str  # the held or uploaded image, else the page's own preview image; "" for none


def link_card(*, link_url: str, title: str, preview_title: str, preview_description: str,
              image_url: str) -> LinkCard:
    return LinkCard(host=urlsplit(link_url.strip()).hostname or "", title=preview_title.strip() or title.strip(),
                    description=preview_description.strip(), image_url=image_url)


def preview_parts(text: str) -> list[tuple[str, str]]:
    """'Hi #ghent https://…' → [("text", "Hi "), ("tag", "#ghent"), ("text", " "), ("link", "https://…")]."""
    parts: list[tuple[str, str]] = []
    pos = 0
    for match in PARTS_RE.finditer(text):
        if match.start() > pos:
            parts.append(("text", text[pos:match.start()]))
        parts.append((match.lastgroup or "text", match.group()))
        pos = match.end()
    if pos < len(text):
        parts.append(("text", text[pos:]))
    return parts
