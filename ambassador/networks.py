"""The networks a post can be shared to, and what each one allows.

One table keeps what differs per network (caption limit and how it is counted,
whether text may be prefilled, whether a share earns points, the share-intent
URL) so views and templates never branch on a network's name.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import regex

# A URL ends before trailing punctuation ("see https://x.example/a." counts the dot as text),
# as twitter-text and Mastodon's extractor do. The same pattern text is JavaScript's (counting_rules()).
URL_PATTERN = r"""https?://\S+?(?=[.,:;!?'")\]]*(?:\s|$))"""
URL_RE = re.compile(URL_PATTERN)
TCO_LENGTH = 23  # X and Mastodon count every URL as 23 characters
# twitter-text v3: code points in these ranges weigh 1 on X, everything else (CJK, emoji…) 2.
X_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
# Mastodon counts a remote mention (@user@domain) as just "@user"; usernames are ASCII letters,
# digits and underscores (static/js/count.js keeps the same pattern).
REMOTE_MENTION_RE = re.compile(r"(?<![\w@])(@[A-Za-z0-9_]+)@[\w.-]+\.\w+", re.UNICODE)
EMOJI_RE = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}\u20e3]")


def _x_weight(char: str) -> int:
    cp = ord(char)
    return 1 if any(low <= cp <= high for low, high in X_LIGHT_RANGES) else 2


def _x_weight_text(text: str) -> int:
    # An emoji, even a sequence (skin tone, ZWJ family, flag, keycap), weighs 2 as a whole.
    total = 0
    for cluster in regex.findall(r"\X", text):
        if EMOJI_RE.search(cluster) and (len(cluster) > 1 or ord(cluster) > 4351):
            total += 2
        else:
            total += sum(_x_weight(c) for c in cluster)
    return total


def count_x(text: str) -> int:
    # twitter-text normalizes to NFC first: "e" + combining acute counts as one "é".
    text = unicodedata.normalize("NFC", text)
    total = 0
    pos = 0
    for match in URL_RE.finditer(text):
        total += _x_weight_text(text[pos:match.start()]) + TCO_LENGTH
        pos = match.end()
    return total + _x_weight_text(text[pos:])


def count_mastodon(text: str) -> int:
    # Mastodon's StatusLengthValidator: URLs as 23, remote mentions by their local part, then graphemes.
    countable = REMOTE_MENTION_RE.sub(r"\1", URL_RE.sub("x" * TCO_LENGTH, text))
    return count_graphemes(countable)


def count_graphemes(text: str) -> int:
    return len(regex.findall(r"\X", text))


def count_chars(text: str) -> int:
    return len(text)


@dataclass(frozen=True)
class Network:
    key: str
    label: str
    limit: int | None  # caption limit, None = no practical limit
    counter: str = "chars"  # chars | graphemes | x | mastodon
    prefill_text: bool = True  # may the share carry our text?
    earns_points: bool = True
    intent: str | None = None  # template of the share-intent URL; None = copy only
    link_card: bool = True  # does the network show the link's preview card under the text?

    def length(self, text: str) -> int:
        return COUNTERS[self.counter](text)

    def intent_url(self, *, url: str, text: str, title: str = "") -> str | None:
        if self.intent is None:
            return None
        if self.intent == "email":
            return "mailto:?" + urlencode({"subject": title, "body": text}, quote_via=quote)
        return self.intent.format(url=quote(url, safe=""), text=quote(text, safe=""))


COUNTERS = {"chars": count_chars, "graphemes": count_graphemes, "x": count_x, "mastodon": count_mastodon}

NETWORKS: dict[str, Network] = {
    n.key: n
    for n in (
        Network("linkedin", "LinkedIn", 3000, intent="https://www.linkedin.com/sharing/share-offsite/?url={url}"),
        Network("x", "X", 280, counter="x", intent="https://x.com/intent/tweet?text={text}"),
        # Facebook's platform policy forbids prefilled messages and rewards for posting.
        Network("facebook", "Facebook", None, prefill_text=False, earns_points=False,
                intent="https://www.facebook.com/sharer/sharer.php?u={url}"),
        Network("mastodon", "Mastodon", 500, counter="mastodon", intent=None),
        Network("bluesky", "Bluesky", 300, counter="graphemes", intent="https://bsky.app/intent/compose?text={text}"),
        Network("whatsapp", "WhatsApp", 4096, intent="https://wa.me/?text={text}"),
        Network("xing", "XING", 420, intent="https://www.xing.com/spi/shares/new?url={url}"),
        Network("email", "Email", None, intent="email", link_card=False),
        Network("copy", "Copy link", None, intent=None),
    )
}

# Networks a curator writes a suggested caption for.
CAPTION_NETWORKS = ("linkedin", "x", "mastodon", "bluesky", "whatsapp", "xing", "email")


def get(key: str) -> Network:
    return NETWORKS[key]


def counting_rules(*, max_caption: int) -> dict:
    """The counting rules as data, for static/js/count.js: the browser counts by this table, not a copy."""
    return {
        "url_pattern": URL_PATTERN,
        "tco_length": TCO_LENGTH,
        "x_light_ranges": [list(r) for r in X_LIGHT_RANGES],
        "networks": {key: {"label": n.label, "limit": n.limit or max_caption, "counter": n.counter}
                     for key, n in NETWORKS.items()},
    }


def normalize_newlines(text: str) -> str:
    """A browser sends a textarea's line breaks as CRLF but counts (and shows) them as one "\\n"."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _has_token(text: str, token: str) -> bool:
    """Is `token` (a hashtag, a disclosure) already in `text` as a whole word, not as part of a longer one?"""
    pattern = r"(?<![\w#@])" + re.escape(token) + r"(?![\w])"
    return re.search(pattern, text, re.IGNORECASE | re.UNICODE) is not None


def compose_text(*, caption: str, disclosure: str, url: str, hashtags: str = "") -> str:
    """The text that goes out: caption, hashtags and disclosure (kept), then the link.

    static/js/count.js (composeText) puts it together by the same steps for the editor's live preview.
    """
    caption = normalize_newlines(caption).strip()
    parts = [caption]
    tags: list[str] = []
    for tag in hashtags.split():
        if not _has_token(caption, tag) and tag.lower() not in (t.lower() for t in tags):
            tags.append(tag)
    if tags:
        parts.append(" ".join(tags))
    disclosure = disclosure.strip()
    if disclosure and not _has_token(caption, disclosure) and disclosure.lower() not in (t.lower() for t in tags):
        parts.append(disclosure)
    body = " ".join(p for p in parts if p)
    return f"{body} {url}".strip() if url else body
