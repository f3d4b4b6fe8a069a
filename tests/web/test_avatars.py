"""Avatars (initials in a coloured circle) and the Review menu's count of posts waiting."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ambassador.web import avatars

APP_CSS = Path(__file__).resolve().parents[2] / "ambassador" / "static" / "css" / "app.css"


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("colour", avatars.PALETTE)
def test_white_initials_keep_aa_contrast_on_every_colour(colour):
    assert (1.05) / (_luminance(colour) + 0.05) >= 4.5, colour


def test_the_stylesheet_has_the_palette_in_order():
    css = APP_CSS.read_text()
    found = dict(re.findall(r"\.avatar--c(\d+) \{ background: (#[0-9a-f]{6}); \}", css))
    assert [found[str(n)] for n in range(len(avatars.PALETTE))] == list(avatars.PALETTE)


@pytest.mark.parametrize("name, expected", [
    ("Emma de Vries", "EV"), ("arne", "A"), ("Élodie Lefèvre", "ÉL"), ("  (Nina)  Fontaine ", "NF"), ("", "?"),
    ("— —", "?"), ("李 小龙", "李小"),
])
def test_initials(name, expected):
    assert avatars.initials(name) == expected


def test_the_colour_follows_the_member_id_and_neighbours_differ():
    assert avatars.avatar(17, "A B") == avatars.avatar(17, "A B")
    colours = {avatars.avatar(n, "x").colour for n in range(len(avatars.PALETTE))}
    assert colours == set(range(len(avatars.PALETTE)))


def test_header_leaderboard_and_members_list_show_avatars(client, login, make):
    org = make.org()
    admin = make.member(org, role="admin", name="Olga Owner")
    make.member(org, name="Emma de Vries")
    login(admin.user)
    colour = admin.id % len(avatars.PALETTE)
    expected = f'<span class="avatar avatar--c{colour} avatar--small" aria-hidden="true">OO</span>'
    assert expected in client.get("/feed").get_data(as_text=True)  # the header
    members = client.get("/members").get_data(as_text=True)
    assert 'aria-hidden="true">EV</span>' in members and 'aria-hidden="true">OO</span>' in members
    board = client.get("/leaderboard").get_data(as_text=True)
    assert 'aria-hidden="true">OO</span><span>Olga Owner</span>' in board


def _nav(html: str) -> str:
    return html[html.index('<nav id="main-nav"'):html.index("</nav>")]


@pytest.mark.parametrize("role, shows", [("manager", True), ("admin", True), ("curator", False),
                                         ("ambassador", False)])
def test_the_review_menu_counts_the_posts_waiting(client, login, make, role, shows):
    org = make.org()
    campaign = make.campaign(org)
    for _ in range(3):
        make.post(campaign, status="pending_approval", published_at=None)
    make.post(campaign)  # approved: not waiting
    make.post(make.campaign(make.org()), status="pending_approval", published_at=None)  # another organization
    login(make.member(org, role=role).user)
    nav = _nav(client.get("/feed").get_data(as_text=True))
    assert ('<span class="nav-count" aria-hidden="true">3</span>' in nav) is shows
    assert ("(3 posts waiting for review)" in nav) is shows


def test_no_count_when_nothing_waits_and_one_query_per_page(client, login, make, db):
    from .test_list_queries import counted_statements

    org = make.org()
    manager = make.member(org, role="manager")
    login(manager.user)
    assert "nav-count" not in _nav(client.get("/feed").get_data(as_text=True))
    make.post(make.campaign(org), status="pending_approval", published_at=None)
    with counted_statements() as seen:
        html = client.get("/review").get_data(as_text=True)
    assert "(1 post waiting for review)" in _nav(html)
    assert sum("count(post.id)" in s.lower() for s in seen) == 1  # the menu asks once, though shown twice
