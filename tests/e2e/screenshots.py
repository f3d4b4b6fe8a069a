"""Screenshots of every main page, per demo user, at desktop and phone widths.

    flask --app wsgi ambassador demo            # seed the demo organization first
    python -m tests.e2e.screenshots --base-url http://127.0.0.1:5000 --out .screens/

Logs in through the real login form as each demo user (its own browser profile), opens the
pages that user's role can see and writes `<user>-<page>-<width>.png` (full page). Prints each
page's HTTP status; exits non-zero when a page answers 5xx or a login fails. Uses Debian's
Chromium (never downloads a browser).
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Page, sync_playwright

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
WIDTHS = {1280: 800, 390: 844}
DEFAULT_PASSWORD = "ambassador-demo"

# (name, path, regex of a link on that page to follow to a detail page, or None)
ANONYMOUS = [("home", "/", None), ("login", "/login", None), ("signup", "/signup", None),
             ("forgot-password", "/password/forgot", None)]
AMBASSADOR = [("feed", "/feed", None), ("activity", "/me/activity", None), ("leaderboard", "/leaderboard", None),
              ("profile", "/profile", None), ("challenges", "/challenges", None),
              ("api-tokens", "/settings/tokens", None), ("api-docs", "/api/v1/docs", None),
              ("challenge", "/challenges", r"^/challenges/\d+$")]
CURATOR = AMBASSADOR + [("campaigns", "/campaigns", None), ("campaign", "/campaigns", r"^/campaigns/\d+$"),
                        ("campaign-analytics", "/campaigns", r"^/campaigns/\d+$", r"^/campaigns/\d+/analytics$"),
                        ("new-campaign", "/campaigns/new", None)]
MANAGER = CURATOR + [("review", "/review", None), ("overview", "/overview", None),
                     ("nps-results", "/surveys/results", None), ("surveys", "/surveys", None),
                     ("survey-overview", "/surveys", r"^/surveys/\d+$"),
                     ("survey-responses", "/surveys", r"^/surveys/\d+$", r"^/surveys/\d+/responses$"),
                     ("survey-follow-ups", "/surveys", r"^/surveys/\d+$", r"^/surveys/\d+/follow-ups$"),
                     ("survey-invitations", "/surveys", r"^/surveys/\d+$", r"^/surveys/\d+/invitations$"),
                     ("members", "/members", None),
                     ("invitations", "/members/invitations", None), ("invite", "/members/invite", None),
                     ("emv-settings", "/settings/earned-media-value", None),
                     ("pulses", "/pulses", None), ("pulse-results", "/pulses", r"^/pulses/\d+$"),
                     ("pulse-edit", "/pulses", r"^/pulses/\d+$", r"^/pulses/\d+/edit$"),
                     ("pulse-beside-customers", "/pulses", r"^/pulses/\d+$", r"^/pulses/\d+/beside-customers$"),
                     ("pulse-follow-ups", "/pulses/follow-ups", None),
                     ("pulse-follow-up", "/pulses/follow-ups", r"^/pulses/follow-ups/\d+$")]
ADMIN = MANAGER + [("settings", "/settings", None), ("teams", "/teams", None),
                   ("integration-tokens", "/org/integration-tokens", None),
                   ("chat-webhooks", "/settings/chat", None), ("outbox", "/outbox", None),
                   ("sso-settings", "/settings/sso", None),
                   ("webhooks", "/settings/webhooks", None), ("audit-log", "/settings/audit", None)]
# (label, email, pages); email None = not logged in
USERS = [
    ("anonymous", None, ANONYMOUS),
    ("admin", "admin@demo.test", ADMIN),
    ("curator", "curator@demo.test", CURATOR + [("post", "/campaigns", r"^/campaigns/\d+$", r"^/posts/\d+$"),
                                                ("post-analytics", "/campaigns", r"^/campaigns/\d+$",
                                                 r"^/posts/\d+$", r"^/posts/\d+/analytics$"),
                                                ("post-editor", "/campaigns", r"^/campaigns/\d+$", r"^/posts/\d+$",
                                                 r"^/posts/\d+/edit$")]),
    ("ambassador", "ambassador1@demo.test", AMBASSADOR),
    # The demo writes posts in English, Dutch and French: Noah reads Dutch.
    ("dutch-ambassador", "ambassador2@demo.test", [("feed", "/feed", None)]),
    ("external", "fan1@demo.test", AMBASSADOR),
]


def log_in(page: Page, base_url: str, email: str, password: str) -> bool:
    page.goto(urljoin(base_url, "/login"))
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password").fill(password)
    page.locator("main").get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_load_state()
    return urlsplit(page.url).path != "/login"


def first_link(page: Page, pattern: str) -> str | None:
    for href in page.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))"):
        if re.match(pattern, urlsplit(href).path):
            return href
    return None


def open_page(page: Page, base_url: str, path: str, follow: tuple[str, ...]) -> int | None:
    """Go to `path`, then follow the first link matching each pattern; the final HTTP status (None: no link)."""
    response = page.goto(urljoin(base_url, path))
    for pattern in follow:
        href = first_link(page, pattern)
        if href is None:
            return None
        response = page.goto(urljoin(page.url, href))
    page.wait_for_load_state("networkidle")
    return response.status if response else None


def shoot_user(browser, *, base_url: str, out: Path, label: str, email: str | None, pages, password: str,
               problems: list[str]) -> None:
    for width, height in WIDTHS.items():
        context = browser.new_context(base_url=base_url, viewport={"width": width, "height": height},
                                      locale="en-GB", device_scale_factor=1)
        page = context.new_page()
        try:
            if email and not log_in(page, base_url, email, password):
                problems.append(f"{label}: could not log in as {email} (run `flask ambassador demo`?)")
                return
            for name, path, *follow in pages:
                follow = tuple(f for f in follow if f)
                status = open_page(page, base_url, path, follow)
                target = out / f"{label}-{name}-{width}.png"
                if status is None:
                    print(f"  {label:<10} {name:<16} {width:>4}px  skipped: no link to follow on {path}")
                    continue
                page.screenshot(path=str(target), full_page=True)
                print(f"  {label:<10} {name:<16} {width:>4}px  {status}  {urlsplit(page.url).path} -> {target}")
                if status >= 500:
                    problems.append(f"{label}: {path} answered {status}")
        finally:
            context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:5000")
    parser.add_argument("--out", default=".screens", type=Path)
    parser.add_argument("--password", default=DEFAULT_PASSWORD, help="the demo users' password")
    parser.add_argument("--only", action="append", default=[], help="only these users (anonymous, admin, …)")
    args = parser.parse_args(argv)

    chromium = shutil.which("chromium")
    if chromium is None:
        print("Chromium not found: apt-get install chromium", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            for label, email, pages in USERS:
                if args.only and label not in args.only:
                    continue
                shoot_user(browser, base_url=args.base_url, out=args.out, label=label, email=email, pages=pages,
                           password=args.password, problems=problems)
        finally:
            browser.close()
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
