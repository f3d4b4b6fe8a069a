"""Posts in every language in a real browser: a curator writes a post in English and Dutch through the
editor's language tabs (keyboard), and a Dutch ambassador sees the Dutch words on the feed and shares the
Dutch caption to X."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from playwright.sync_api import expect

from ambassador.models import Membership, Post, Share
from ambassador.services.org import accounts
from ambassador.services.org.organizations import create_organization

from .conftest import log_in
from .test_share_flow import follow_to, open_new_post

PASSWORD = "language flow password"
DUTCH_X = "Tulpen, ranonkels en anemonen: onze lenteboeketten zijn er."


def _org(live_server) -> int:
    with live_server.session() as session:
        owner = accounts.create_user(email="owner@talen.test", password=PASSWORD, name="Olga", verified=True)
        org = create_organization(name="Bloemen Gent", owner=owner, disclosure="#medewerker")
        org.content_languages = "en nl"
        for email, name, role, locale in (("curator@talen.test", "Cora", "curator", "en"),
                                          ("amb@talen.test", "Annelies", "ambassador", "nl")):
            user = accounts.create_user(email=email, password=PASSWORD, name=name, locale=locale, verified=True)
            session.add(Membership(org_id=org.id, user_id=user.id, role=role, kind="internal", source="invite"))
        session.flush()
        return org.id


def test_a_dutch_ambassador_sees_and_shares_the_dutch_caption(new_context, live_server):
    org_id = _org(live_server)
    curator = new_context().new_page()
    log_in(curator, "curator@talen.test", PASSWORD)
    open_new_post(curator, campaign="Spring")

    # Languages are tabs; Dutch is marked as missing its words until they are written.
    tabs = curator.get_by_role("tablist", name="Languages")
    english = tabs.get_by_role("tab", name=re.compile("^English"))
    dutch = tabs.get_by_role("tab", name=re.compile("^Dutch"))
    expect(dutch).to_contain_text("missing title and captions")
    expect(english).to_have_attribute("aria-selected", "true")
    curator.get_by_label("Title", exact=True).fill("Our spring bouquets are in")
    curator.get_by_label("Link", exact=True).fill("https://shop.example.com/spring")
    curator.locator("#caption_x").fill("Tulips, ranunculus and anemones: our spring bouquets are in.")
    english.focus()
    curator.keyboard.press("ArrowRight")  # the tablist pattern: arrows move between languages
    expect(dutch).to_be_focused()
    expect(dutch).to_have_attribute("aria-selected", "true")
    expect(curator.locator("#caption_x")).to_be_hidden()
    curator.locator("#title_nl").fill("Onze lenteboeketten zijn er")
    curator.locator("#caption_nl_x").fill(DUTCH_X)
    expect(curator.locator('[data-preview-for="caption_nl_x"] [data-preview-text]')).to_contain_text("Tulpen")
    curator.get_by_role("button", name="Save", exact=True).click()
    expect(curator).to_have_url(re.compile(r"/posts/\d+$"))
    curator.get_by_role("button", name="Publish").click()
    expect(curator.get_by_role("status")).to_contain_text("Published")

    # The Dutch ambassador's feed: the Dutch title and caption, shared to X as written in Dutch.
    context = new_context()
    ambassador = context.new_page()
    log_in(ambassador, "amb@talen.test", PASSWORD)
    ambassador.goto("/feed")
    card = ambassador.get_by_role("article", name="Onze lenteboeketten zijn er")
    expect(card).to_be_visible()
    card.get_by_role("tab", name="X", exact=True).click()
    expect(card.locator("textarea[name=caption]:visible")).to_have_value(DUTCH_X)
    intent = follow_to(context, "https://x.com/", lambda: card.get_by_role(
        "button", name=re.compile("Delen op X")).click(), what="the X share-intent URL")
    text = parse_qs(urlsplit(intent.url).query)["text"][0]
    assert text.startswith(DUTCH_X) and "#medewerker" in text
    with live_server.session() as session:
        post = session.scalar(sa.select(Post).where(Post.org_id == org_id))
        share = session.scalar(sa.select(Share).where(Share.org_id == org_id))
        assert share.network == "x" and share.caption.startswith(DUTCH_X)
        assert post.caption_for("x", "en").startswith("Tulips")
