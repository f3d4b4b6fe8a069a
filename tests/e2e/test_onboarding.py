"""Getting started and branding in a real browser: a new admin's checklist ticks as settings are saved, the
brand colour reaches the page through the organization's stylesheet (CSP: no inline style), and a new
ambassador's "Get set up" panel ticks and hides."""
from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import expect

from ambassador.models import Membership
from ambassador.services.org import accounts
from ambassador.services.org.organizations import create_organization

from .conftest import log_in
from .test_accessibility import audit

PASSWORD = "onboarding bakery password"
_orgs = itertools.count(1)


@pytest.fixture
def new_org(live_server):
    """(admin's email, ambassador's email) of a brand-new organization with nothing set up."""
    n = next(_orgs)
    with live_server.session() as session:
        owner = accounts.create_user(email=f"owner{n}@onboard.test", password=PASSWORD, name="Olga Owner",
                                     verified=True)
        org = create_organization(name=f"Onboard Bakery {n}", owner=owner, disclosure="")
        user = accounts.create_user(email=f"amb{n}@onboard.test", password=PASSWORD, name="Nina New",
                                    verified=True)
        session.add(Membership(org_id=org.id, user_id=user.id, role="ambassador", kind="internal", source="invite"))
        return owner.email, user.email


def csp_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    return errors


def test_a_new_admin_brands_the_organization_from_the_checklist(page, new_org):
    errors = csp_errors(page)
    log_in(page, new_org[0], PASSWORD)
    checklist = page.get_by_role("region", name="Get Onboard Bakery")
    expect(checklist).to_be_visible()
    branding = checklist.locator('[data-step="branding"]')
    expect(branding).not_to_have_class("setup__step is-done")
    assert audit(page, "new admin's feed")[0] == []  # axe: no serious violation in the checklist

    branding.get_by_role("link", name="Start").click()
    expect(page.get_by_label("Brand colour")).to_be_visible()
    page.get_by_label("Brand colour").fill("#0f766e")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()

    # The colour comes from /org/<slug>/theme.css: the header's accent and a primary button are teal.
    expect(page.locator("link[href*='/theme.css?v=']")).to_have_count(1)
    header_accent = page.locator(".topbar").evaluate("e => getComputedStyle(e).borderTopColor")
    assert header_accent == "rgb(15, 118, 110)"
    button = page.get_by_role("button", name="Save settings")
    assert button.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(15, 118, 110)"
    assert button.evaluate("e => getComputedStyle(e).color") == "rgb(255, 255, 255)"

    page.goto("/feed")
    expect(page.locator('[data-step="branding"]')).to_have_class("setup__step is-done")
    expect(page.get_by_text("2 of 5 steps done")).to_be_visible()  # branding, and the ambassador is people
    page.get_by_role("button", name="Hide this list").click()
    expect(page.locator(".setup")).to_have_count(0)
    assert errors == []


def test_a_light_colour_is_darkened_for_links_and_the_admin_is_told(page, new_org):
    log_in(page, new_org[0], PASSWORD)
    page.goto("/settings")
    page.get_by_label("Brand colour").fill("#ffcc00")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("#ffcc00 is too light for text on a white page")).to_be_visible()
    button = page.get_by_role("button", name="Save settings")
    assert button.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 204, 0)"
    assert button.evaluate("e => getComputedStyle(e).color") == "rgb(0, 0, 0)"  # black reads on yellow
    assert audit(page, "settings with a yellow theme")[0] == []  # axe computes the contrast of the themed page
    link = page.locator(".brand-sample a")
    assert link.evaluate("e => getComputedStyle(e).color") != "rgb(255, 204, 0)"  # darkened for white pages


def test_a_new_ambassador_gets_set_up(page, new_org):
    log_in(page, new_org[1], PASSWORD)
    panel = page.get_by_role("region", name="Get set up")
    expect(panel).to_be_visible()
    panel.locator('[data-step="queue"]').get_by_role("link", name="Start").click()
    expect(page.get_by_label("My queue times")).to_be_visible()
    page.get_by_label("My queue times").fill("09:00,17:30")
    page.get_by_role("button", name="Save", exact=True).click()
    page.goto("/feed")
    expect(page.locator('[data-step="queue"]')).to_have_class("setup__step is-done")
    expect(page.locator('[data-step="language"]')).to_have_class("setup__step is-done")  # saved on the profile
    expect(page.locator('[data-step="account"]')).to_have_class("setup__step ")
    page.get_by_role("button", name="Hide this list").click()
    expect(page.locator(".setup")).to_have_count(0)
