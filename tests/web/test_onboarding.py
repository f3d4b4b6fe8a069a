"""Getting started on the feed, branding on the settings page and in every page's stylesheet, empty states."""
from __future__ import annotations

import io
import re

import pytest

from ambassador.models import Organization
from ambassador.services.org import branding

from .test_members import post_forms

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SETTINGS = {"name": "New Bakery", "slug": "new-bakery", "default_locale": "en", "timezone": "Europe/Brussels",
            "disclosure": "", "disclosure_external": "#ad", "points_share": "5", "points_click": "1",
            "daily_share_points_cap": "50", "daily_click_points_cap": "100", "join_enabled": "y"}


def steps(html: str) -> dict[str, bool]:
    """{step key: done} of the getting-started list on a page."""
    return {key: "is-done" in classes for classes, key in
            re.findall(r'<li class="setup__step ([^"]*)" data-step="(\w+)">', html)}


@pytest.fixture
def admin(make, login):
    membership = make.member(make.org(name="New Bakery", slug="new-bakery"), role="admin")
    login(membership.user)
    return membership


def test_a_new_admin_sees_the_checklist_and_it_ticks_as_settings_are_saved(client, admin, db):
    html = client.get("/feed").get_data(as_text=True)
    assert "Get New Bakery started" in html
    assert steps(html) == dict.fromkeys(["branding", "disclosure", "people", "campaign", "networks"], False)
    assert 'href="/settings#branding"' in html and 'href="/members/invite"' in html
    assert "0 of 5 steps done" in html

    response = client.post("/settings", data={**SETTINGS, "brand_color": "#0F766E", "disclosure": "#employee"})
    assert response.status_code == 302
    html = client.get("/feed").get_data(as_text=True)
    assert steps(html)["branding"] and steps(html)["disclosure"] and not steps(html)["people"]
    assert "2 of 5 steps done" in html


def test_the_admin_hides_the_checklist_for_the_organization(client, admin, make, login, db):
    assert client.post("/setup/dismiss").status_code == 302
    assert "setup__step" not in client.get("/feed").get_data(as_text=True)
    other_admin = make.member(admin.organization, role="admin")
    client.post("/logout")
    login(other_admin.user)
    assert "setup__step" not in client.get("/feed").get_data(as_text=True)  # stored per organization


@pytest.mark.parametrize("role", ["manager", "curator", "ambassador"])
def test_only_admins_hide_the_checklist(client, make, login, role, db):
    member = make.member(make.org(), role=role)
    login(member.user)
    assert client.post("/setup/dismiss").status_code == 403
    db.session.refresh(member.organization)
    assert member.organization.setup_dismissed_at is None


@pytest.mark.parametrize("role,action", [("admin", "/setup/dismiss"), ("ambassador", "/feed/setup/dismiss")])
def test_the_dismiss_forms_carry_a_csrf_token_and_need_it(client, app, make, login, db, role, action):
    member = make.member(make.org(), role=role)
    login(member.user)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        forms = [f for f in post_forms(client.get("/feed").get_data(as_text=True)) if f["action"] == action]
        assert forms and all("csrf_token" in f["inputs"] for f in forms)
        assert client.post(action).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.refresh(member)
    db.session.refresh(member.organization)
    assert member.setup_dismissed_at is None and member.organization.setup_dismissed_at is None


def test_a_new_ambassador_is_guided_until_set_up(client, make, login, db):
    org = make.org()
    member = make.member(org)
    login(member.user)
    html = client.get("/feed").get_data(as_text=True)
    assert "Get set up" in html and steps(html) == {"account": False, "language": False, "queue": False}
    assert 'href="/me/accounts"' in html and 'href="/profile#queue_times"' in html

    client.post("/profile", data={"name": "Ann", "locale": "nl", "timezone": "Europe/Brussels",
                                  "queue_times": "09:00,17:00"})
    html = client.get("/feed").get_data(as_text=True)
    assert steps(html) == {"account": False, "language": True, "queue": True}

    assert client.post("/feed/setup/dismiss").status_code == 302
    assert "setup__step" not in client.get("/feed").get_data(as_text=True)
    neighbour = make.member(org)
    client.post("/logout")
    login(neighbour.user)
    assert "setup__step" in client.get("/feed").get_data(as_text=True)  # hidden for that member only


def test_the_language_switch_counts_as_choosing_a_language(client, make, login):
    member = make.member(make.org())
    login(member.user)
    client.post("/language/fr", data={"next": "/feed"})
    assert steps(client.get("/feed").get_data(as_text=True))["language"]


# --- branding ---------------------------------------------------------------------------------------

def test_a_brand_colour_themes_every_page_through_a_cached_stylesheet(client, admin, make, db):
    assert client.get("/org/new-bakery/theme.css").status_code == 404  # no colour yet
    client.post("/settings", data={**SETTINGS, "brand_color": "#0f766e"})
    html = client.get("/feed").get_data(as_text=True)
    org = db.session.get(Organization, admin.org_id)
    href = f"/org/new-bakery/theme.css?v={branding.theme_version(org)}"
    assert f'href="{href}"' in html
    assert not re.search(r"\sstyle=", html)  # the CSP allows no inline style
    assert '<span class="brand__logo brand__mark" aria-hidden="true">N</span>' in html  # no logo: the initial

    css = client.get(href)
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert "--brand-fill: #0f766e;" in css.get_data(as_text=True)
    assert css.cache_control.max_age == 31536000 and css.headers["ETag"]
    assert client.get(href, headers={"If-None-Match": css.headers["ETag"]}).status_code == 304

    other = make.org(slug="other-shop", brand_color="#ffcc00")  # each organization its own colours
    other_css = client.get("/org/other-shop/theme.css").get_data(as_text=True)
    assert "--brand-fill: #ffcc00;" in other_css and "#0f766e" not in other_css
    assert other.id != admin.org_id


def test_a_light_colour_is_saved_and_the_admin_is_told_it_was_darkened(client, admin, db):
    response = client.post("/settings", data={**SETTINGS, "brand_color": "#ffcc00"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    theme = branding.theme_for("#ffcc00")
    assert f"#ffcc00 is too light for text on a white page: links and text use the darker {theme.text}" in html
    org = db.session.get(Organization, admin.org_id)
    db.session.refresh(org)
    assert org.brand_color == "#ffcc00"


def test_a_bad_colour_is_refused_and_nothing_is_saved(client, admin, db):
    html = client.post("/settings", data={**SETTINGS, "name": "Renamed", "brand_color": "teal"}).get_data(as_text=True)
    assert "Enter a colour as # and six hexadecimal digits" in html
    org = db.session.get(Organization, admin.org_id)
    db.session.refresh(org)
    assert (org.name, org.brand_color) == ("New Bakery", None)


def test_a_bad_logo_with_a_good_colour_saves_neither(client, admin, db):
    html = client.post("/settings", data={**SETTINGS, "brand_color": "#0f766e",
                                          "logo": (io.BytesIO(b"GIF8 not really"), "logo.gif")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Upload a PNG, JPEG, GIF or WebP image." in html
    org = db.session.get(Organization, admin.org_id)
    db.session.refresh(org)
    assert (org.brand_color, org.logo_path) == (None, None)


def test_the_logo_is_stored_for_the_organization_and_shown_in_the_header(client, admin, db):
    client.post("/settings", data={**SETTINGS, "logo": (io.BytesIO(PNG), "logo.png")},
                content_type="multipart/form-data")
    org = db.session.get(Organization, admin.org_id)
    db.session.refresh(org)
    assert org.logo_path.startswith(f"org-{org.id}/logo/") and org.logo_path.endswith(".png")
    html = client.get("/feed").get_data(as_text=True)
    assert f'<img src="/org/{org.id}/logo" alt="" class="brand__logo">' in html
    assert steps(html)["branding"]


# --- empty states -----------------------------------------------------------------------------------

@pytest.mark.parametrize("path,button", [
    ("/campaigns", 'href="/campaigns/new">Create a campaign'),
    ("/members", 'href="/members/invite">Invite someone</a></p></div>'),
    ("/leaderboard", 'href="/feed">Go to the feed'),
    ("/rewards", 'href="/rewards/catalogue/new">Add a reward'),
    ("/surveys", 'href="/surveys/new">Create a survey'),
    ("/feed", 'href="/campaigns">Go to campaigns'),
])
def test_empty_pages_of_a_new_organization_lead_to_the_next_step(client, admin, path, button):
    html = client.get(path).get_data(as_text=True)
    assert '<div class="empty">' in html and button in html, path


def test_an_ambassador_with_nothing_to_share_is_sent_to_connect_accounts(client, make, login):
    login(make.member(make.org()).user)
    html = client.get("/feed").get_data(as_text=True)
    assert "Nothing to share right now." in html and 'href="/me/accounts">Connect your accounts' in html


def test_a_status_tab_without_campaigns_says_so_rather_than_no_campaigns_yet(client, admin, make):
    make.campaign(admin.organization, status="active")
    html = client.get("/campaigns?status=archived").get_data(as_text=True)
    assert "No campaign has this status." in html and "No campaigns yet" not in html


def test_the_join_page_wears_the_inviting_organizations_colours(client, make):
    org = make.org(name="Shop", slug="shop", brand_color="#0f766e")
    html = client.get(f"/join/{org.join_token}").get_data(as_text=True)
    assert f'href="/org/shop/theme.css?v={branding.theme_version(org)}"' in html
