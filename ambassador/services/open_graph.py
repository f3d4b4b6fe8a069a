"""A link's preview (title, description, image) from its page's Open Graph tags.

Fetching is best effort: any failure returns None and the curator types the preview.
Only public http(s) addresses are fetched (no SSRF into the private network), redirects
are followed by hand so every hop is checked, and at most MAX_BYTES of the page are read.
"""
from __future__ import annotations

import codecs
import ipaddress
import re
import socket
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests
from flask import current_app

MAX_BYTES = 512 * 1024
MAX_REDIRECTS = 3
USER_AGENT = "AmbassadorPreview/1.0 (+link preview; like facebookexternalhit)"


class UnsafeURL(ValueError):
    """The address is not one we may fetch (scheme, host or a private/loopback address)."""


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


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
                                 or ip.is_multicast or ip.is_unspecified)


def check_public_url(url: str) -> None:
    """Raise UnsafeURL unless `url` is http(s) and every address its host resolves to is public."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL("only http(s) URLs with a host")
    try:
        ipaddress.ip_address(parts.hostname)
        addresses = {parts.hostname}  # a literal address needs no lookup
    except ValueError:
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
        except (OSError, ValueError, UnicodeError) as exc:
            raise UnsafeURL("the host does not resolve") from exc
        addresses = {info[4][0] for info in infos}
    if not addresses or not all(_is_public(a) for a in addresses):
        raise UnsafeURL("the host resolves to a private, loopback or reserved address")


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


def _get(url: str, timeout: float):
    """GET with redirects followed by hand: each hop is checked before we connect to it."""
    for _ in range(MAX_REDIRECTS + 1):
        check_public_url(url)
        response = requests.get(url, timeout=timeout, stream=True, allow_redirects=False,
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
