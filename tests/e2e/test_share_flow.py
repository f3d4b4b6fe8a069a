"""The whole loop in a real browser: publish → share with a tracked link → a visitor clicks → points.

No internet: the browser resolves no host but the live server's (conftest.OFFLINE_ARGS); the
redirects to LinkedIn and to the post's own site are checked as the requests the browser makes.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from ambassador.models import Click, Membership, PointsEntry, Post, Share, TrackedLink
from ambassador.services.org import accounts
from ambassador.services.org.organizations import create_organization

from .conftest import VISITOR_USER_AGENT, log_in

PASSWORD = "share flow password"
ARTICLE = "https://shop.example.com/spring-collection?ref=newsletter"


def follow_to(context, prefix: str, action, *, what: str):
    """Do `action` and return the request the browser then makes to a URL starting with `prefix`."""
    try:
        with context.expect_event("request", predicate=lambda r: r.url.startswith(prefix)) as info:
            try:
                action()
            except PlaywrightError as exc:  # the navigation itself fails: that host resolves to nothing
                if "ERR_NAME_NOT_RESOLVED" not in str(exc):
                    raise
    except PlaywrightTimeoutError:
        pytest.fail(f"The browser never went to {what} ({prefix}…): was the redirect refused, "
                    "e.g. by the Content-Security-Policy (form-action)?", pytrace=False)
    return info.value


@pytest.fixture
def share_org(live_server):
    """An organization with a curator and an ambassador, created in the live server's own database."""
    with live_server.session() as session:
        admin = accounts.create_user(email="owner@flow.test", password=PASSWORD, name="Olga Owner", verified=True)
        org = create_organization(name="Flow Florists", owner=admin, disclosure="#employee")
        for email, name, role in (("curator@flow.test", "Cora Curator", "curator"),
                                  ("amb@flow.test", "Arne Ambassador", "ambassador")):
            user = accounts.create_user(email=email, password=PASSWORD, name=name, verified=True)
            session.add(Membership(org_id=org.id, user_id=user.id, role=role, kind="internal", source="invite"))
        return org.id


def open_new_post(curator, *, campaign: str) -> None:
    """As a signed-in curator: create an active campaign through the UI and open its new-post editor."""
    curator.goto("/campaigns/new")
    curator.get_by_label("Title").fill(campaign)
    curator.get_by_label("Status").select_option("active")
    curator.get_by_role("button", name="Save campaign").click()
    expect(curator.get_by_role("heading", level=1)).to_contain_text(campaign)
    curator.get_by_role("link", name="New post").click()


def test_publish_share_click_and_leaderboard(new_context, live_server, share_org):
    # A curator creates a campaign and publishes a post through the UI.
    curator = new_context().new_page()
    log_in(curator, "curator@flow.test", PASSWORD)
    open_new_post(curator, campaign="Spring collection")
    curator.get_by_label("Title", exact=True).fill("Our spring bouquets are in")
    curator.get_by_label("Link", exact=True).fill(ARTICLE)
    curator.get_by_label("Preview title").fill("Spring bouquets")
    curator.get_by_label("Caption for LinkedIn").fill("Tulips, ranunculus and anemones: our spring bouquets are in.")
    curator.get_by_role("button", name="Save", exact=True).click()
    expect(curator).to_have_url(re.compile(r"/posts/\d+$"))
    curator.get_by_role("button", name="Publish").click()
    expect(curator.get_by_role("status")).to_contain_text("Published")
    with live_server.session() as session:
        post = session.scalar(sa.select(Post).where(Post.org_id == share_org,
                                                    Post.title == "Our spring bouquets are in"))
        assert post.status == "approved"
        campaign_slug = post.campaign.slug

    # The ambassador shares it from the feed with the LinkedIn intent button. The form opens a new
    # tab that follows the server's redirect to LinkedIn's share-intent URL. Playwright cannot route
    # a redirect's target, so we watch for the request instead; the browser resolves no outside
    # host (see OFFLINE_ARGS), so nothing reaches LinkedIn.
    context = new_context()
    ambassador = context.new_page()
    log_in(ambassador, "amb@flow.test", PASSWORD)
    ambassador.goto("/feed")
    card = ambassador.get_by_role("article", name="Our spring bouquets are in")
    expect(card).to_be_visible()
    intent = follow_to(context, "https://www.linkedin.com/", lambda: card.get_by_role(
        "button", name=re.compile("Share on LinkedIn")).click(), what="the LinkedIn share-intent URL")
    assert intent.url.startswith("https://www.linkedin.com/sharing/share-offsite/")
    short_url = parse_qs(urlsplit(intent.url).query)["url"][0]
    assert short_url.startswith(f"{live_server.url}/s/")
    with live_server.session() as session:
        share = session.scalar(sa.select(Share).where(Share.org_id == share_org))
        assert (share.network, share.method, share.status) == ("linkedin", "intent", "shared")
        assert short_url.endswith("/s/" + share.tracked_link.code)

    # A visitor (a normal desktop Chrome, not a preview bot) opens the short link and is sent on
    # to the article, with UTM parameters and the article's own query kept.
    visitor_context = new_context(user_agent=VISITOR_USER_AGENT)
    visitor = visitor_context.new_page()
    landing = follow_to(visitor_context, "https://shop.example.com/", lambda: visitor.goto(short_url),
                        what="the post's link")
    assert landing.redirected_from is not None and landing.redirected_from.url == short_url
    destination = urlsplit(landing.url)
    query = parse_qs(destination.query)
    assert destination.path == "/spring-collection" and query["ref"] == ["newsletter"]
    assert (query["utm_source"], query["utm_medium"], query["utm_campaign"]) == (
        ["linkedin"], ["ambassador"], [campaign_slug])
    with live_server.session() as session:
        link = session.scalar(sa.select(TrackedLink).where(TrackedLink.org_id == share_org))
        assert session.scalar(sa.select(sa.func.count(Click.id)).where(Click.tracked_link_id == link.id)) == 1
        points = session.scalar(sa.select(sa.func.sum(PointsEntry.points)).where(
            PointsEntry.membership_id == link.membership_id))
    assert points > 0

    # The ambassador is on the leaderboard with those points.
    ambassador.goto("/leaderboard")
    row = ambassador.get_by_role("row").filter(has_text="Arne Ambassador")
    expect(row).to_be_visible()
    expect(row).to_contain_text(str(points))
