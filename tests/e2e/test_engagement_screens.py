"""Engagement on "My shares" and potential reach on "My accounts" in a real browser: readable, labelled,
unknown written as unknown. Set SCREENSHOTS_DIR to keep the screenshots (desktop and phone widths)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ambassador.models import Campaign, Membership, Post, Share, ShareEngagement, SocialAccount, utcnow
from ambassador.services.org import accounts
from ambassador.services.org.organizations import create_organization
from ambassador.services.publishing import tracked_links

from .conftest import log_in

PASSWORD = "engagement screens password"


@pytest.fixture(scope="module")
def shared(live_server):
    """An ambassador with an X and a LinkedIn account and three published shares, one deleted on X."""
    with live_server.session() as session:
        owner = accounts.create_user(email="owner@reach.test", password=PASSWORD, name="Rita Reach", verified=True)
        org = create_organization(name="Reach Roasters", owner=owner, disclosure="#employee")
        member = session.query(Membership).filter_by(org_id=org.id, user_id=owner.id).one()
        campaign = Campaign(org_id=org.id, title="Autumn beans", slug="autumn", status="active")
        session.add(campaign)
        session.flush()
        x = SocialAccount(org_id=org.id, membership_id=member.id, provider="x", external_id="42", handle="@rita",
                          display_name="Rita on X", extra={}, followers_count=1234, followers_fetched_at=utcnow())
        linkedin = SocialAccount(org_id=org.id, membership_id=member.id, provider="linkedin",
                                 external_id="urn:li:person:r", display_name="Rita on LinkedIn", extra={})
        session.add_all([x, linkedin])
        session.flush()
        for title, account, figures in (
                ("Single origin from Huila", x, {"likes": 12, "reposts": 3, "replies": 1, "quotes": 0,
                                                 "impressions": 480, "fetched_at": utcnow()}),
                ("Roast day photos", x, {"likes": 4, "reposts": 0, "replies": 0, "quotes": 0,
                                         "fetched_at": utcnow(), "deleted_at": utcnow()}),
                ("We are hiring baristas", linkedin, None)):
            post = Post(org_id=org.id, campaign_id=campaign.id, title=title, status="approved",
                        link_url="https://roasters.example/news", published_at=utcnow())
            session.add(post)
            session.flush()
            link = tracked_links.link_for(membership=member, post=post, network=account.provider)
            share = Share(org_id=org.id, post_id=post.id, membership_id=member.id, tracked_link_id=link.id,
                          network=account.provider, method="api", status="published", caption=f"{title} #employee",
                          account_id=account.id, published_at=utcnow(), external_id=f"ext-{post.id}")
            session.add(share)
            session.flush()
            if figures:
                session.add(ShareEngagement(share_id=share.id, org_id=org.id, **figures))
    return org


def _keep(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_engagement_and_reach_read_plainly(new_context, shared, width):
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    log_in(page, "owner@reach.test", PASSWORD)
    page.goto("/me/shares")
    card = page.locator("li.share-state", has_text="Single origin from Huila")
    figures = card.get_by_role("group", name="Engagement on X")
    expect(figures).to_contain_text("Likes")
    expect(figures).to_contain_text("480")
    expect(page.get_by_text("Deleted on X")).to_be_visible()
    expect(page.get_by_text("LinkedIn does not report engagement for this account.")).to_be_visible()
    _keep(page, f"my-shares-{width}")
    page.goto("/me/accounts")
    expect(page.get_by_text("Potential reach: 1,234 followers")).to_be_visible()
    expect(page.get_by_text("Potential reach: unknown")).to_be_visible()
    _keep(page, f"my-accounts-{width}")
