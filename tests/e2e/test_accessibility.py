"""Accessibility in a real browser: axe-core on every role's main pages, desktop and phone, and the menus by keyboard.

axe-core is the copy bundled in axe-playwright-python (tests need no network: the script is
evaluated into the page from the package, never fetched). A page fails on any serious or
critical violation, and on any violation of a rule that was once fixed here (issue 14), so it
cannot come back at a lower impact either. The demo organization is the data: a month of
shares, a survey with answers, rewards and a full leaderboard, as a visitor to the demo sees it.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from ambassador.demo.seed import DEFAULT_PASSWORD, ensure_demo
from ambassador.models import Campaign, Membership, Pulse, PulseFollowUp, Share, Survey, User

from .conftest import log_in

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
FAILING_IMPACTS = {"serious", "critical"}
# Fixed for issue 14; a violation of these fails whatever its impact.
KEPT_FIXED = {"aria-valid-attr-value", "landmark-unique", "page-has-heading-one"}

AMBASSADOR = "ambassador1@demo.test"
CURATOR = "curator@demo.test"
MANAGER = "manager@demo.test"
ADMIN = "admin@demo.test"

_axe = Axe()


@dataclass(frozen=True)
class Demo:
    campaign_id: int
    survey_id: int
    survey_token: str
    share_id: int
    pulse_id: int
    pulse_follow_up_id: int
    member_id: int  # an ambassador's membership (the admin's member and erase pages)


@pytest.fixture(scope="module")
def demo(live_server) -> Demo:
    with live_server.session() as session:
        org = ensure_demo().org
        campaign = session.scalar(sa.select(Campaign).where(Campaign.org_id == org.id).order_by(Campaign.id))
        survey = session.scalar(sa.select(Survey).where(Survey.org_id == org.id).order_by(Survey.id))
        share = session.scalar(sa.select(Share).join(Membership, Membership.id == Share.membership_id)
                               .join(User, User.id == Membership.user_id)
                               .where(Share.org_id == org.id, User.email == AMBASSADOR).order_by(Share.id))
        pulse = session.scalar(sa.select(Pulse).where(Pulse.org_id == org.id))
        follow_up = session.scalar(sa.select(PulseFollowUp).where(PulseFollowUp.org_id == org.id))
        member_id = session.scalar(sa.select(Membership.id).join(User, User.id == Membership.user_id)
                                   .where(Membership.org_id == org.id, User.email == "ambassador3@demo.test"))
        return Demo(campaign_id=campaign.id, survey_id=survey.id, survey_token=survey.public_token, share_id=share.id,
                    pulse_id=pulse.id, pulse_follow_up_id=follow_up.id, member_id=member_id)


def _post_editor_with_errors(page: Page, demo: Demo) -> None:
    """The post editor after a refused save: no title and a caption too long for X."""
    page.goto(f"/campaigns/{demo.campaign_id}/posts/new")
    page.get_by_label("Caption for X", exact=True).fill("A caption far too long for X. " * 12)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".field--error").first).to_be_visible()


def _open_challenge(page: Page, title: str) -> None:
    page.goto("/challenges")
    page.get_by_role("link", name=title).click()
    page.wait_for_load_state()


def _erase_with_a_wrong_address(page: Page, demo: Demo) -> None:
    """The erase confirmation refused: the address typed is not the member's (nothing is erased)."""
    page.goto(f"/members/{demo.member_id}/erase")
    page.get_by_label("Type the member's email address to confirm").fill("someone-else@example.test")
    page.get_by_role("button", name="Erase this member").click()
    expect(page.locator(".field--error").first).to_be_visible()


def _answer_survey(page: Page, demo: Demo) -> None:
    page.goto(f"/survey/{demo.survey_token}")
    page.get_by_role("button", name="9 out of 10").click()
    expect(page.get_by_role("status")).to_contain_text("9")


# role → (email or None for a visitor, [(page name, path or action)])
Visit = str | Callable[[Page, Demo], None]
ROLE_PAGES: dict[str, tuple[str | None, list[tuple[str, Visit]]]] = {
    "visitor": (None, [
        ("login", "/login"),
        ("public survey", lambda page, demo: page.goto(f"/survey/{demo.survey_token}")),
        ("public survey, after a score", _answer_survey),
    ]),
    "ambassador": (AMBASSADOR, [
        ("feed", "/feed"),
        ("share view", lambda page, demo: page.goto(f"/me/shares/{demo.share_id}")),
        ("my shares", "/me/shares"),
        ("my accounts", "/me/accounts"),
        ("my activity", "/me/activity"),
        ("leaderboard", "/leaderboard"),
        ("rewards", "/rewards"),
        ("community", "/community/ideas"),
        ("challenges", "/challenges"),
        ("running challenge", lambda page, demo: _open_challenge(page, "Spring share sprint")),
        ("api tokens", "/settings/tokens"),
        ("api docs", "/api/v1/docs"),
        ("profile", "/profile"),
    ]),
    # A Dutch reader (the demo writes posts in English, Dutch and French): the feed in Dutch.
    "dutch ambassador": ("ambassador2@demo.test", [("feed in Dutch", "/feed")]),
    "curator": (CURATOR, [
        ("campaigns", "/campaigns"),
        ("campaign", lambda page, demo: page.goto(f"/campaigns/{demo.campaign_id}")),
        ("post editor", lambda page, demo: page.goto(f"/campaigns/{demo.campaign_id}/posts/new")),
        ("post editor after an error", _post_editor_with_errors),
    ]),
    "manager": (MANAGER, [
        ("overview", "/overview"),
        ("review", "/review"),
        ("members", "/members"),
        ("surveys", "/surveys"),
        ("survey results", lambda page, demo: page.goto(f"/surveys/{demo.survey_id}")),
        ("follow-ups", "/follow-ups"),
        ("new challenge", "/challenges/new"),
        ("ended team challenge", lambda page, demo: _open_challenge(page, "Click cup")),
        ("employee pulses", "/pulses"),
        ("pulse results", lambda page, demo: page.goto(f"/pulses/{demo.pulse_id}")),
        ("pulse edit", lambda page, demo: page.goto(f"/pulses/{demo.pulse_id}/edit")),
        ("pulse beside customers", lambda page, demo: page.goto(f"/pulses/{demo.pulse_id}/beside-customers")),
        ("team follow-ups", "/pulses/follow-ups"),
        ("team follow-up", lambda page, demo: page.goto(f"/pulses/follow-ups/{demo.pulse_follow_up_id}")),
    ]),
    "admin": (ADMIN, [
        ("settings", "/settings"),
        ("members", "/members"),
        ("slack & teams", "/settings/chat"),
        ("single sign-on", "/settings/sso"),
        ("integration tokens", "/org/integration-tokens"),
        ("member", lambda page, demo: page.goto(f"/members/{demo.member_id}")),
        ("erase member", lambda page, demo: page.goto(f"/members/{demo.member_id}/erase")),
        ("erase member after an error", _erase_with_a_wrong_address),
        ("webhooks", "/settings/webhooks"),
        ("audit log", "/settings/audit"),
    ]),
}


def audit(page: Page, name: str) -> tuple[list[str], Counter]:
    """Run axe on the page as it is: the failing violations as readable lines, and the count of
    violated rules by impact (all of them, for the summary)."""
    violations = _axe.run(page).response["violations"]
    counts = Counter(v["impact"] for v in violations)
    lines = []
    for v in violations:
        if v["impact"] in FAILING_IMPACTS or v["id"] in KEPT_FIXED:
            targets = ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
            more = f" (+{len(v['nodes']) - 5} more)" if len(v["nodes"]) > 5 else ""
            lines.append(f"{name}: {v['id']} ({v['impact']}) {v['help']} — {len(v['nodes'])} element(s): "
                         f"{targets}{more}")
    return lines, counts


def open_nav_menus(page: Page) -> None:
    """Open the Me/Manage menus the way a person would (on a phone, the menu button first)."""
    toggle = page.locator("[data-nav-toggle]")
    if toggle.is_visible():
        toggle.click()
    summaries = page.locator("details.navmenu > summary")
    summaries.last.click()
    expect(page.locator("details.navmenu").last).to_have_attribute("open", "")


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("role", ROLE_PAGES)
def test_main_pages_have_no_serious_violations(new_context, demo, role, viewport):
    email, pages = ROLE_PAGES[role]
    page = new_context(viewport=VIEWPORTS[viewport]).new_page()
    if email:
        log_in(page, email, DEFAULT_PASSWORD)
    failures, summary = [], []
    for name, visit in pages:
        if isinstance(visit, str):
            page.goto(visit)
        else:
            visit(page, demo)
        status = page.evaluate("performance.getEntriesByType('navigation')[0].responseStatus")
        assert status in (200, 422), f"{name}: {page.url} answered {status}, not the page to audit"
        assert name == "login" or "/login" not in page.url, f"{name}: sent to the login page"
        lines, counts = audit(page, f"{name} ({page.url})")
        failures += lines
        summary.append(f"{role} {viewport} {name}: " + (", ".join(f"{n} {k}" for k, n in counts.items()) or "clean"))
    if email:  # the navigation's menus, open
        page.goto(pages[0][1] if isinstance(pages[0][1], str) else "/")
        open_nav_menus(page)
        lines, counts = audit(page, "menus open")
        failures += lines
        summary.append(f"{role} {viewport} menus open: " + (", ".join(f"{n} {k}" for k, n in counts.items())
                                                            or "clean"))
    print("\n".join(summary))
    assert not failures, (f"axe found {len(failures)} violation(s) for the {role} at {viewport} size:\n  "
                          + "\n  ".join(failures))


# Keyboard: the Me/Manage menus (details.navmenu) and the phone's navigation.

def focused(page: Page) -> dict:
    return page.evaluate("""() => {
      const el = document.activeElement;
      // Its visible name: without a count or an avatar's initials beside it (aria-hidden) and screen-reader extras.
      const copy = el.cloneNode(true);
      copy.querySelectorAll('[aria-hidden="true"], .visually-hidden').forEach((n) => n.remove());
      return {tag: el.tagName.toLowerCase(), text: el.textContent.trim(), name: copy.textContent.trim(),
              visible: el.checkVisibility()};
    }""")


def seen(page: Page) -> dict:
    """What has focus: its tag, visible name and whether it is visible."""
    return {k: focused(page)[k] for k in ("tag", "name", "visible")}


def tab_to(page: Page, text: str, *, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page)["name"] == text:
            return
    pytest.fail(f"Tab never reached {text!r}")


def manage_menu(page: Page):
    return page.locator("details.navmenu", has=page.locator("summary", has_text="Manage"))


def open_manage_menu_by_keyboard(new_context) -> Page:
    """A manager on the overview at desktop size who tabbed to "Manage" and opened it with Enter."""
    page = new_context(viewport=DESKTOP).new_page()
    log_in(page, MANAGER, DEFAULT_PASSWORD)
    page.goto("/overview")
    tab_to(page, "Manage")
    page.keyboard.press("Enter")
    expect(manage_menu(page)).to_have_attribute("open", "")
    return page


def test_escape_in_an_open_menu_closes_it_and_returns_focus_to_its_button(new_context, demo):
    page = open_manage_menu_by_keyboard(new_context)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert seen(page) == {"tag": "a", "name": "Review", "visible": True}

    page.keyboard.press("Escape")
    expect(manage_menu(page)).not_to_have_attribute("open", "")
    assert seen(page) == {"tag": "summary", "name": "Manage", "visible": True}
    page.keyboard.press("Tab")  # on from the menu button, not from a hidden link
    assert focused(page)["name"] == "Marc Janssens"


def test_focus_leaving_an_open_menu_closes_it(new_context, demo):
    page = open_manage_menu_by_keyboard(new_context)
    tab_to(page, "Members")  # the last link of the manager's menu
    expect(manage_menu(page)).to_have_attribute("open", "")

    page.keyboard.press("Tab")
    assert focused(page)["name"] == "Marc Janssens"
    expect(manage_menu(page)).not_to_have_attribute("open", "")
    expect(page.locator(".menu__panel").filter(has_text="Members")).to_be_hidden()

    # Shift+Tab back out of a reopened menu, past its button, closes it too.
    page.keyboard.press("Shift+Tab")
    assert focused(page)["name"] == "Manage"
    page.keyboard.press("Enter")
    expect(manage_menu(page)).to_have_attribute("open", "")
    page.keyboard.press("Shift+Tab")
    expect(manage_menu(page)).not_to_have_attribute("open", "")

    # A click elsewhere on the page closes it.
    page.locator("details.navmenu > summary", has_text="Manage").click()
    expect(manage_menu(page)).to_have_attribute("open", "")
    page.get_by_role("heading", level=1).click()
    expect(manage_menu(page)).not_to_have_attribute("open", "")


def test_phone_navigation_closes_with_escape_and_when_focus_leaves(new_context, demo):
    page = new_context(viewport=PHONE).new_page()
    log_in(page, MANAGER, DEFAULT_PASSWORD)
    page.goto("/overview")
    toggle = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()

    # Escape inside the open Manage menu closes that menu first, then the navigation.
    tab_to(page, "Manage")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "Content"
    page.keyboard.press("Escape")
    expect(manage_menu(page)).not_to_have_attribute("open", "")
    assert seen(page) == {"tag": "summary", "name": "Manage", "visible": True}
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    assert focused(page)["tag"] == "button" and focused(page)["visible"]

    # Tab past the navigation's last item closes it (and the menu that was open in it).
    page.keyboard.press("Enter")
    expect(nav).to_be_visible()
    tab_to(page, "Manage")
    page.keyboard.press("Enter")
    tab_to(page, "Members")
    page.keyboard.press("Tab")
    assert seen(page) == {"tag": "a", "name": "Marc Janssens", "visible": True}
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    expect(manage_menu(page)).not_to_have_attribute("open", "")


def test_the_new_short_link_is_announced(new_context, demo, live_server):
    page = new_context(viewport=DESKTOP).new_page()
    log_in(page, AMBASSADOR, DEFAULT_PASSWORD)
    page.goto("/feed")
    card = page.get_by_role("article").first
    card.get_by_role("tab", name="Copy link").click()
    card.get_by_role("button", name="Get my link").click()
    expect(page).to_have_url(re.compile(r"/me/shares/\d+$"))
    short_link = page.get_by_label("Your short link").input_value()
    assert short_link.startswith(f"{live_server.url}/s/")
    # A polite live region, filled after the page has loaded so that screen readers read it out.
    status = page.get_by_role("status").filter(has_text=short_link)
    expect(status).to_have_count(1)
    expect(status).to_have_attribute("aria-live", "polite")


def test_a_table_wider_than_the_phone_can_be_scrolled_from_the_keyboard(new_context, demo):
    page = new_context(viewport=PHONE).new_page()
    log_in(page, AMBASSADOR, DEFAULT_PASSWORD)
    page.goto("/leaderboard")
    wrap = page.locator(".table-wrap").first
    assert wrap.evaluate("el => el.scrollWidth > el.clientWidth"), "the leaderboard fits the phone: nothing to test"
    expect(wrap).to_have_attribute("tabindex", "0")
    expect(wrap).to_have_attribute("role", "group")
    name = wrap.evaluate("el => el.getAttribute('aria-labelledby').split(' ').map("
                         "id => document.getElementById(id).textContent.trim()).join(' ')")
    assert name

    wrap.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(wrap).not_to_have_js_property("scrollLeft", 0)

    # Wide enough for the table, it is no longer a tab stop.
    page.set_viewport_size(DESKTOP)
    expect(wrap).not_to_have_attribute("tabindex", "0")
