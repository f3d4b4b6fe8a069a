"""Which requests are not people: link-preview fetchers, crawlers, scripts.

A short link is fetched by every network that shows a preview card (LinkedInBot,
Twitterbot, facebookexternalhit, Slackbot, every Mastodon server…) and by crawlers;
none of those are clicks. Real browsers — including the in-app browsers of LinkedIn,
Facebook, Instagram and X — must count, so the generic rules are written to avoid
words that appear in browser user agents (e.g. the phone model "CUBOT").
"""
from __future__ import annotations

import re
from functools import lru_cache

# Named fetchers (case-insensitive). Most also match the generic rules below; they are
# listed so the intent is explicit and a rule change does not silently let them through.
_KNOWN_FETCHERS = (
    r"linkedinbot", r"twitterbot", r"facebookexternalhit", r"facebot", r"facebookcatalog", r"meta-externalagent",
    r"slackbot", r"slack-imgproxy", r"whatsapp/", r"telegrambot", r"discordbot", r"mastodon/", r"http\.rb/",
    r"cardyb", r"skypeuripreview", r"googlebot", r"google-inspectiontool", r"googleother", r"bingbot",
    r"bingpreview", r"applebot", r"redditbot", r"pinterestbot", r"embedly", r"iframely", r"vkshare",
    r"yahoo! slurp", r"bytespider", r"gptbot", r"headlesschrome", r"phantomjs", r"chrome-lighthouse",
    # scripts and HTTP libraries
    r"^curl/", r"^wget/", r"python-requests", r"python-urllib", r"python-httpx", r"aiohttp", r"go-http-client",
    r"okhttp", r"^java/", r"apache-httpclient", r"libwww-perl", r"node-fetch", r"^axios/", r"undici", r"scrapy",
    r"^werkzeug/",
)
# Generic words crawlers put in their names.
_GENERIC = (r"crawl", r"spider", r"preview", r"fetch", r"scrape", r"slurp", r"archiver", r"validator",
            r"monitor", r"\bheadless\b")

_FETCHER_RE = re.compile("|".join(_KNOWN_FETCHERS + _GENERIC), re.IGNORECASE)
# "...bot" as a word, case-sensitive: Googlebot/2.1, AhrefsBot, Slackbot-LinkExpanding, "bot;".
# Case-sensitive on purpose: Android phones named "CUBOT X19" send real browser user agents.
_BOT_WORD_RE = re.compile(r"(?:bot|Bot)(?:\b|_)")
# A crawler names its home page or contact in its user agent; browsers never do.
_CONTACT_RE = re.compile(r"https?://|\+mailto:|@[a-z0-9-]+\.[a-z]{2,}\b", re.IGNORECASE)

MAX_USER_AGENT = 512


@lru_cache(maxsize=1024)
def is_bot(user_agent: str | None) -> bool:
    """True when the user agent is missing or names a preview fetcher, crawler or script."""
    ua = (user_agent or "").strip()[:MAX_USER_AGENT]
    if not ua:
        return True
    return bool(_FETCHER_RE.search(ua) or _BOT_WORD_RE.search(ua) or _CONTACT_RE.search(ua))
