"""The post editor in Chromium: the counter agrees with the server, the image survives a validation
error, the previews follow the typing, teams are picked from a filterable list of checkboxes."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from ambassador.infra import uploads
from ambassador.models import Campaign, Membership, Post
from ambassador.services.org import accounts, teams
from ambassador.services.org.organizations import create_organization

from .conftest import log_in

PASSWORD = "editor flow password"
CASES = json.loads((Path(__file__).parents[1] / "services" / "content" / "caption_cases.json").read_text("utf-8"))
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")
TEAMS = ["Antwerp", "Bruges", "Brussels", "Ghent", "Ghent North", "Leuven", "Liège", "Namur"]


@pytest.fixture(scope="module")
def editor_org(live_server):
    with live_server.session() as session:
        owner = accounts.create_user(email="owner@editor.test", password=PASSWORD, name="Olga", verified=True)
        org = create_organization(name="Editor Bakery", owner=owner, disclosure="#employee")
        user = accounts.create_user(email="curator@editor.test", password=PASSWORD, name="Cora", verified=True)
        session.add(Membership(org_id=org.id, user_id=user.id, role="curator", kind="internal", source="invite"))
        for name in TEAMS:
            teams.create_team(org=org, name=name)
        campaign = Campaign(org_id=org.id, title="Autumn launch", slug="autumn-launch", status="active")
        session.add(campaign)
        session.flush()
        return {"org": org.id, "campaign": campaign.id}


@pytest.fixture
def curator(new_context, editor_org):
    """The curator on a new post's form; fails the test on a script error or a CSP refusal in the console."""
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    log_in(page, "curator@editor.test", PASSWORD)
    page.goto(f"/campaigns/{editor_org['campaign']}/posts/new")
    yield page
    assert errors == []


def _counter(page, network: str) -> int:
    text = page.locator(f'[data-counter-for="caption_{network}"]').inner_text()
    return int(text.split("/")[0])


def test_count_js_agrees_with_the_server_on_every_shared_case(curator):
    """caption_cases.json, the file test_caption_rules.py runs against Python, run against count.js."""
    results = curator.evaluate("""cases => {
        const T = window.ambassadorText, rules = T.rules();
        return {
          counter: cases.counter.map(c => T.count(c.kind, c.text)),
          compose: cases.compose.map(c => {
            const text = T.composeText(c.caption, T.cleanHashtags(c.hashtags), c.disclosure, c.url);
            return [text, T.count(rules.networks[c.network].counter, text)];
          })
        };
    }""", CASES)
    assert results["counter"] == [c["length"] for c in CASES["counter"]]
    assert results["compose"] == [[c["text"], c["length"]] for c in CASES["compose"]]


def test_the_live_counter_shows_what_the_server_counts(curator):
    """The review's case: hashtags typed after the caption, a line break, an emoji, a hashtag in the caption."""
    caption = curator.get_by_label("Caption for X", exact=True)
    caption.fill("Autumn is here 🍂\nCome and see #Autumn " + "a" * 230)
    before = _counter(curator, "x")
    curator.get_by_label("Hashtags").fill("#autumn #launch")
    typed = _counter(curator, "x")
    assert typed == before + len(" #launch")  # #autumn is in the caption already: the server leaves it out
    expect(curator.locator('[data-counter-for="caption_x"]')).to_have_class(re.compile("counter--over"))
    preview = curator.locator('[data-preview-for="caption_x"] [data-preview-text]')
    expect(preview).to_contain_text("Come and see #Autumn")
    expect(preview.locator(".net-preview__tag", has_text="#launch")).to_be_visible()
    curator.get_by_label("Title", exact=True).fill("Autumn")
    curator.get_by_label("Link", exact=True).fill("https://bakery.example/autumn")
    curator.get_by_role("button", name="Save", exact=True).click()
    expect(curator.locator(".field__error").first).to_contain_text(f"Too long for X: {typed} of 280")
    assert _counter(curator, "x") == typed  # after the reload too


def test_an_image_is_kept_after_a_validation_error(curator, live_server, editor_org):
    curator.get_by_label("Title", exact=True).fill("Autumn bread")
    curator.get_by_label("Link", exact=True).fill("https://bakery.example/bread")
    curator.get_by_label("Image", exact=True).set_input_files(
        files=[{"name": "bread.png", "mimeType": "image/png", "buffer": PNG}])
    thumb = curator.locator("[data-image-thumb]")
    expect(thumb).to_be_visible()  # shown as soon as it is chosen
    expect(thumb).to_have_attribute("src", re.compile(r"^data:image/png"))
    curator.get_by_label("Caption for X", exact=True).fill("x" * 300)
    curator.get_by_role("button", name="Save", exact=True).click()

    expect(curator.get_by_role("alert")).to_contain_text("1 field needs a change. Your image is kept.")
    expect(curator.locator(".field__error").first).to_contain_text("Too long for X")
    expect(curator.locator("[data-image-note]")).to_contain_text("Your image is kept")
    expect(thumb).to_have_attribute("src", re.compile(r"^/posts/held-image/"))
    assert curator.evaluate("img => img.complete && img.naturalWidth", thumb.element_handle()) == 1
    card_image = curator.locator(".editor__card [data-card-image]")
    expect(card_image).to_have_attribute("src", re.compile(r"^/posts/held-image/"))

    curator.get_by_label("Caption for X", exact=True).fill("Fresh autumn bread")
    curator.get_by_role("button", name="Save", exact=True).click()
    expect(curator).to_have_url(re.compile(r"/posts/\d+$"))
    with live_server.session() as session:
        post = session.scalar(sa.select(Post).where(Post.org_id == editor_org["org"], Post.title == "Autumn bread"))
        with live_server.app.app_context():
            with open(uploads.absolute_path(post.image_path), "rb") as handle:
                assert handle.read() == PNG
    expect(curator.locator("img.post__image")).to_have_attribute("src", re.compile(r"/posts/\d+/media$"))


def test_the_link_card_follows_the_fields(curator):
    curator.get_by_label("Link", exact=True).fill("https://bakery.example/autumn")
    curator.get_by_label("Preview title").fill("Our autumn loaves")
    card = curator.locator(".editor__card")
    expect(card.locator("[data-card-host]")).to_have_text("bakery.example")
    expect(card.locator("[data-card-title]")).to_have_text("Our autumn loaves")
    expect(curator.locator('[data-preview-for="caption_linkedin"] [data-card-title]')).to_have_text("Our autumn loaves")


def test_teams_are_filtered_and_ticked_by_keyboard(curator, live_server, editor_org):
    box = curator.get_by_role("searchbox", name="Find a team")
    expect(box).to_be_visible()
    box.fill("ghe")
    visible = curator.locator("[data-team-picker] li:visible")
    expect(visible).to_have_count(2)
    expect(curator.locator("[data-team-filter-status]")).to_contain_text("Teams shown: 2 of 8.")
    box.press("Enter")  # filters, does not send the form
    expect(curator).to_have_url(re.compile(r"/posts/new$"))
    box.press("Tab")
    curator.keyboard.press("Space")
    expect(curator.get_by_label("Ghent", exact=True)).to_be_checked()
    box.fill("")
    expect(curator.locator("[data-team-picker] li:visible")).to_have_count(len(TEAMS))
    curator.get_by_label("Title", exact=True).fill("For Ghent")
    curator.get_by_label("Link", exact=True).fill("https://bakery.example/ghent")
    curator.get_by_role("button", name="Save", exact=True).click()
    expect(curator).to_have_url(re.compile(r"/posts/\d+$"))
    with live_server.session() as session:
        post = session.scalar(sa.select(Post).where(Post.org_id == editor_org["org"], Post.title == "For Ghent"))
        assert [t.name for t in post.teams] == ["Ghent"]


def test_without_javascript_the_image_is_kept_and_teams_are_plain_checkboxes(new_context, editor_org):
    page = new_context(java_script_enabled=False).new_page()
    log_in(page, "curator@editor.test", PASSWORD)
    page.goto(f"/campaigns/{editor_org['campaign']}/posts/new")
    expect(page.get_by_role("searchbox", name="Find a team")).to_be_hidden()
    expect(page.get_by_label("Ghent North")).to_be_visible()
    page.get_by_label("Link", exact=True).fill("https://bakery.example/no-js")
    page.get_by_label("Image", exact=True).set_input_files(
        files=[{"name": "bread.png", "mimeType": "image/png", "buffer": PNG}])
    page.get_by_label("Caption for X", exact=True).fill("Hello")
    page.get_by_role("button", name="Save", exact=True).click()  # no title: refused
    expect(page.get_by_role("alert")).to_contain_text("Your image is kept.")
    expect(page.locator("[data-image-thumb]")).to_have_attribute("src", re.compile(r"^/posts/held-image/"))
    # The server's own count and preview stand in for the live ones.
    expect(page.locator('[data-preview-for="caption_x"] [data-preview-text]')).to_contain_text("Hello #employee")
    expect(page.locator('[data-counter-for="caption_x"]')).to_have_text(re.compile(r"^\d+ / 280$"))
