"""Smoke test in a real browser: sign up, see the organization, switch language, log out."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import sqlalchemy as sa
from playwright.sync_api import expect

from ambassador.models import Membership, Organization, OutboxEmail


def test_signup_language_switch_and_logout(page, live_server):
    page.goto("/signup")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your organization")
    page.get_by_label("Your name").fill("Eva Smoke")
    page.get_by_label("Work email").fill("eva@smoke.test")
    page.get_by_label("Password").fill("a long bakery password")
    page.get_by_label("Organization name").fill("Smoke Bakery")
    page.get_by_label("Default language").select_option("en")
    page.get_by_label("Disclosure hashtag").fill("#team")
    page.get_by_role("button", name="Create organization").click()

    # Sign-up answers the same for every address; the emailed link confirms it and signs in.
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email to finish signing up")
    with live_server.session() as session:
        mail = session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to == "eva@smoke.test"))
        link = next(line for line in mail.body_text.splitlines() if "/email/verify/" in line).strip()
    page.goto(urlsplit(link).path)
    page.get_by_role("button", name="Confirm my email address").click()

    # The new admin lands in the organization (its settings, or the feed).
    expect(page).to_have_url(re.compile(r"/(settings|feed)$"))
    expect(page).to_have_title(re.compile(r"Smoke Bakery"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("Smoke Bakery")
    with live_server.session() as session:
        org = session.scalar(sa.select(Organization).where(Organization.name == "Smoke Bakery"))
        member = session.scalar(sa.select(Membership).where(Membership.org_id == org.id))
        assert (member.role, member.user.email, org.disclosure) == ("admin", "eva@smoke.test", "#team")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("contentinfo").get_by_role("button", name="Nederlands").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page).to_have_url(re.compile(r"/(settings|feed)$"))  # back on the same page

    page.locator("form[action='/logout']").get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/feed")
    expect(page).to_have_url(re.compile(r"/login\?next="))
