"""A link's preview (title, description, image) from its page's Open Graph tags.

Fetching is best effort: any failure returns None and the curator types the preview.
Only public http(s) addresses are fetched (no SSRF into the private network): the connection
goes to the address that was checked (infra/safe_http.py, no DNS rebinding), redirects
are followed by hand so every hop is checked, and at most MAX_BYTES of the page are read.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests
from flask import current_app

from . import safe_http
from .safe_http import UnsafeURL, check_public_url  # noqa: F401  (the public names of this check)

MAX_BYTES = 512 * 1024
MAX_REDIRECTS = 3
USER_AGENT = "AmbassadorPreview/1.0 (+link preview; like facebookexternalhit)"


@dataclass(frozen=True)
class Preview:
    title: str = ""
    description: str = ""
    image_url: str = ""

    def __bool__(self) -> bool:
        return bool(self.title or self.description or self.image_url)


class _MetaParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attributes = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (attributes.get("property") or attributes.get("name") or "").strip().lower()
            if key and key not in self.meta and attributes.get("content", "").strip():
                self.meta[key] = attributes["content"].strip()
        elif tag == "title" and not self.title:
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def _clean(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit]


def parse_preview(*, html: str, base_url: str) -> Preview:
    """og:title / og:description / og:image, falling back to <title>, meta description and twitter:*."""
    parser = _MetaParser()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient; a broken page still gives what was read
        pass
    meta = parser.meta
    title = meta.get("og:title") or meta.get("twitter:title") or parser.title
    description = meta.get("og:description") or meta.get("twitter:description") or meta.get("description", "")
    image = meta.get("og:image:secure_url") or meta.get("og:image") or meta.get("twitter:image", "")
    if image:
        image = urljoin(base_url, image)
        if urlsplit(image).scheme not in ("http", "https"):
            image = ""
    return Preview(title=_clean(title, 300), description=_clean(description, 1000), image_url=image[:2048])


CHARSET_RE = re.compile(rb"""<meta[^>]+charset=["']?([\w.:-]+)""", re.IGNORECASE)


def _encoding(content_type: str, head: bytes) -> str:
    """The header's charset, else a <meta charset>, else UTF-8 (not requests' ISO-8859-1 default)."""
    for candidate in (content_type.partition("charset=")[2].split(";")[0].strip(" \"'"),
                      (m.group(1).decode("ascii", "ignore") if (m := CHARSET_RE.search(head)) else "")):
        if candidate:
            try:
                return codecs.lookup(candidate).name
            except LookupError:
                continue
    return "utf-8"


def _read_limited(response) -> str:
    chunks, size = [], 0
    for chunk in response.iter_content(chunk_size=16384):
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_BYTES:
            break
    raw = b"".join(chunks)[:MAX_BYTES]
    return raw.decode(_encoding(response.headers.get("Content-Type", ""), raw[:4096]), errors="replace")


def _http_get(url: str, **kwargs):
    """One request, connected only to a public address of the URL's host (checked at connect time)."""
    return safe_http.session_for(allow_loopback=False).get(url, **kwargs)


def _get(url: str, timeout: float):
    """GET with redirects followed by hand: each hop is checked as we connect to it."""
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UnsafeURL("only http(s) URLs with a host")
        response = _http_get(url, timeout=timeout, stream=True, allow_redirects=False,
                             headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml"})
        if response.is_redirect and response.headers.get("Location"):
            response.close()
            url = urljoin(url, response.headers["Location"])
            continue
        return url, response
    raise UnsafeURL("too many redirects")


def fetch_preview(*, url: str) -> Preview | None:
    """The page's preview, or None when fetching is off, refused or fails (never raises)."""
    if not current_app.config.get("OPEN_GRAPH_FETCH"):
        return None
    try:
        final_url, response = _get(url, current_app.config.get("OPEN_GRAPH_TIMEOUT", 4))
        with response:
            content_type = response.headers.get("Content-Type", "")
            if response.status_code != 200 or "html" not in content_type.lower():
                return None
            html = _read_limited(response)
    except (UnsafeURL, requests.RequestException, ValueError, OSError) as exc:
        current_app.logger.info("open graph: no preview for %s: %s", url, exc)
        return None
    preview = parse_preview(html=html, base_url=final_url)
    return preview or None
