"""After a share the feed card answers back, in a real browser: with script (the network opens in a new tab,
the card refreshes itself and says the caption was copied) and without (the card confirms, then offers
"Continue on …"). Also the "Not shared yet first" order.

No internet: the browser resolves no host but the live server's (conftest.OFFLINE_ARGS).
"""
from __future__ import annotations

import itertools
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from ambassador.models import Campaign, Membership, Post, PostCaption, Share, utcnow
from ambassador.services.org import accounts
from ambassador.services.org.organizations import create_organization
from ambassador.services.publishing import sharing

from .conftest import log_in
from .test_share_flow import follow_to

PASSWORD = "share feedback password"
_orgs = itertools.count(1)  # the live server's database lives for the whole session: fresh people per test


@pytest.fixture
def feedback_org(live_server):
    """(org id, the ambassador's email): one ambassador and two live posts (the newer one first in the feed)."""
    n = next(_orgs)
    with live_server.session() as session:
        owner = accounts.create_user(email=f"owner{n}@feedback.test", password=PASSWORD, name="Fay Owner",
                                     verified=True)
        org = create_organization(name=f"Feedback Bakery {n}", owner=owner, disclosure="#employee")
        email = f"amb{n}@feedback.test"
        user = accounts.create_user(email=email, password=PASSWORD, name="Bram Baker", verified=True)
        session.add(Membership(org_id=org.id, user_id=user.id, role="ambassador", kind="internal", source="invite"))
        campaign = Campaign(org_id=org.id, title="Bread week", slug="bread-week", status="active")
        session.add(campaign)
        session.flush()
        now = utcnow()
        for title, caption, age in (("Sourdough is back", "Our sourdough is back", 1),
                                    ("Rye for winter", "Dark rye, just baked", 2)):
            post = Post(org_id=org.id, campaign_id=campaign.id, title=title, status="approved",
                        link_url="https://bakery.example.com/" + title.split()[0].lower(),
                        published_at=now - timedelta(hours=age), hashtags="#bread")
            session.add(post)
            session.flush()
            session.add_all([PostCaption(post_id=post.id, network="linkedin", lang="en", text=caption),
                             PostCaption(post_id=post.id, network="x", lang="en", text=caption)])
        return org.id, email


def test_the_card_confirms_a_share_with_script(new_context, live_server, feedback_org):
    context = new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    org_id, email = feedback_org
    log_in(page, email, PASSWORD)
    page.goto("/feed")
    card = page.get_by_role("article", name="Sourdough is back")
    expect(card).to_contain_text("Not shared yet")
    expect(card.get_by_role("status")).not_to_contain_text("Shared on")

    intent = follow_to(context, "https://www.linkedin.com/", lambda: card.get_by_role(
        "button", name=re.compile("Share on LinkedIn")).click(), what="the LinkedIn share-intent URL")
    assert parse_qs(urlsplit(intent.url).query)["url"][0].startswith(f"{live_server.url}/s/")

    # The feed tab stayed where it was and the card now says what happened.
    assert urlsplit(page.url).path == "/feed"
    status = card.get_by_role("status")
    expect(status).to_contain_text("Shared on LinkedIn")
    expect(status).to_contain_text("+5 points")
    expect(status).to_contain_text("Your caption was copied: paste it in LinkedIn.")
    expect(card).not_to_contain_text("Not shared yet")
    assert page.evaluate("navigator.clipboard.readText()") == "Our sourdough is back #bread #employee"
    # The other card is untouched.
    expect(page.get_by_role("article", name="Rye for winter")).to_contain_text("Not shared yet")
    with live_server.session() as session:
        share = session.scalar(sa.select(Share).where(Share.org_id == org_id))
        assert (share.network, share.status) == ("linkedin", "shared")

    # After a reload the card still knows (it is read from the shares, not kept by the script).
    page.reload()
    expect(page.get_by_role("article", name="Sourdough is back").get_by_role("status")).to_contain_text(
        "Shared on LinkedIn")

    # "Not shared yet first" puts the other post on top, and is remembered.
    page.get_by_label("Order").select_option("unshared")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("article").first).to_have_accessible_name("Rye for winter")
    page.goto("/feed")
    expect(page.get_by_role("article").first).to_have_accessible_name("Rye for winter")


def test_the_card_confirms_a_share_without_script(new_context, live_server, feedback_org):
    page = new_context(java_script_enabled=False).new_page()
    org_id, email = feedback_org
    log_in(page, email, PASSWORD)
    page.goto("/feed")
    card = page.get_by_role("article", name="Rye for winter")
    # Without script every network's form is shown: the LinkedIn one of this card.
    card.locator("form[action$='/share/linkedin']").get_by_role("button", name=re.compile("Share on LinkedIn")).click()

    page.wait_for_url(re.compile(r"/feed\?shared=\d+"))
    card = page.get_by_role("article", name="Rye for winter")
    status = card.get_by_role("status")
    expect(status).to_contain_text("Shared on LinkedIn")
    expect(status).to_contain_text("+5 points")
    expect(card.get_by_label("Your text for LinkedIn: copy it, then paste it there")).to_have_value(
        re.compile(r"^Dark rye, just baked #bread #employee http://127\.0\.0\.1:\d+/s/\w+$"))
    go_on = card.get_by_role("link", name=re.compile("Continue on LinkedIn"))
    assert go_on.get_attribute("href").startswith("https://www.linkedin.com/sharing/share-offsite/?url=")
    assert go_on.get_attribute("target") == "_blank"


def test_the_feed_counter_counts_what_the_server_sends(new_context, live_server, feedback_org):
    """The ambassador's caption counter composes the text as the server does: a hashtag the post adds is not
    counted twice when the caption already has it, and the count matches the server's refusal."""
    page = new_context().new_page()
    org_id, email = feedback_org
    log_in(page, email, PASSWORD)
    card = page.locator("article", has_text="Sourdough is back")
    post_id = card.get_attribute("id").split("-")[-1]
    card.locator(f"#tab-{post_id}-x").click()
    caption = card.get_by_label("Your caption for X", exact=True)
    counter = card.locator(f'[data-counter-for="{caption.get_attribute("id")}"]')
    caption.fill("Fresh #bread " + "a" * 240)
    # caption 253 + " #employee" 10 + " " + short link stand-in; #bread is in the caption, so not added again
    shown = int(counter.inner_text().split("/")[0])
    with live_server.session() as session:
        post = session.scalars(sa.select(Post).where(Post.org_id == org_id, Post.title == "Sourdough is back")).one()
        server = sharing.compose(network="x", caption="Fresh #bread " + "a" * 240, hashtags=post.hashtags,
                                 disclosure="#employee").length
    assert shown == server
    expect(counter).to_have_class(re.compile("counter--over"))  # 253 + 10 + 24 > 280
