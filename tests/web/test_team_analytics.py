"""A team's analytics page (managers): every figure shown — shares, counted clicks, engagement, potential reach, earned
media value, networks, campaigns, top ambassadors, days — equals the figure computed here, independently, from the
rows the test wrote for the team's active members (tests/services/analytics/engagement_data.py); other teams,
deactivated members and other organizations add nothing; the tables download; the statements sent do not grow
with the shares; the overview and the teams page link to it."""
from __future__ import annotations

import csv
import io
import random
from datetime import timedelta

import pytest

from ambassador.models import MemberStatus, utcnow
from ambassador.services.analytics import periods

from ..services.analytics.engagement_data import Recorder, clicks_by
from .test_content_analytics import (
    FIGURES,
    body,
    chart,
    network_rows,
    number,
    rows_of,
    stat,
    statements_as_shares_grow,
)


@pytest.fixture
def teams_world(db, make, act):
    now = utcnow()
    org = make.org(name="Gamma", timezone="Europe/Brussels", slug="gamma")
    north, south = make.team(org, "North"), make.team(org, "South")
    spring, autumn = make.campaign(org, title="Spring"), make.campaign(org, title="Autumn")
    p1, p2 = make.post(spring, title="Launch"), make.post(autumn, title="Recipe")
    ann = make.member(org, name="Ann North", teams=[north])
    cas = make.member(org, name="Cas Both", teams=[north, south])
    bob = make.member(org, name="Bob South", teams=[south])
    dee = make.member(org, name="Dee Gone", teams=[north])
    rec = Recorder(db, act, random.Random(20261207))

    def ago(days: float, hours: float = 0):
        return now - timedelta(days=days, hours=hours)

    ann_x, ann_linkedin = rec.account(ann, "x", 1200), rec.account(ann, "linkedin", None)
    cas_bluesky, bob_x, dee_x = rec.account(cas, "bluesky", 300), rec.account(bob, "x", 70), rec.account(dee, "x", 9)
    rec.api_share(ann, p1, ann_x, ago(5), readings=4, now=now)
    rec.api_share(ann, p2, ann_linkedin, ago(4))  # LinkedIn reports nothing for members' accounts
    rec.api_share(cas, p1, cas_bluesky, ago(3, 5), readings=3, now=now, deleted=True)
    rec.api_share(cas, p2, cas_bluesky, ago(0, 2))  # not read back yet
    rec.intent_share(ann, p2, ago(1), "whatsapp")
    rec.api_share(bob, p1, bob_x, ago(2), readings=2, now=now)  # South only
    rec.api_share(dee, p1, dee_x, ago(2), readings=2, now=now)  # deactivated below: in no team's figures
    rec.api_share(ann, p1, ann_x, ago(45), readings=1, now=ago(44))  # before the 30 days

    clicks = []
    for member, post, network, count in ((ann, p1, "x", 3), (ann, p2, "whatsapp", 2), (cas, p1, "bluesky", 2),
                                         (bob, p1, "x", 4), (dee, p1, "x", 1)):
        for n in range(count):
            act.click(member, post, ago(1, n), network=network)
            clicks.append((member.user.name, network, post.id))
    dee.status = MemberStatus.DEACTIVATED
    db.session.commit()

    other = make.org(name="Delta")
    theirs = make.team(other, "Delta team")
    return {"org": org, "north": north, "south": south, "rec": rec, "clicks": clicks, "now": now,
            "spring": spring, "autumn": autumn, "theirs": theirs,
            "manager": make.member(org, role="manager", name="Gamma Manager"),
            "outsider": make.member(other, role="manager", name="Delta Manager")}


def expected(world, names: set[str]):
    """The team's shares of the last 30 days and its counted clicks (per member name, per network)."""
    window = periods.last_days(world["org"], 30)
    made = [m for m in world["rec"].made if m.name in names and m.share.created_at >= window.start]
    return made, clicks_by([(name, network) for name, network, _post in world["clicks"] if name in names]), window


def test_team_page_figures_equal_the_rows(client, login, world_north):
    world, html = world_north
    rec = world["rec"]
    made, (by_name, by_network), window = expected(world, {"Ann North", "Cas Both"})
    networks = rec.per_network(made)

    assert stat(html, "shares") == len(made) == 5 and stat(html, "clicks") == sum(by_network.values()) == 7
    assert stat(html, "engagement") == sum(n["engagement"] or 0 for n in networks.values())
    assert stat(html, "reach") == sum(m.followers or 0 for m in made if m.api) == 1200 + 300 + 300
    shown = network_rows(html)
    assert set(shown) == set(networks) | {"all"}
    for code, figures in networks.items():
        assert shown[code] == {name: figures[name] for name in FIGURES}, code
    assert shown["linkedin"]["engagement"] is None and shown["whatsapp"]["reach"] is None  # unknown, not 0

    series = chart(html, "chart-series")
    gained = next(d for d in series["datasets"] if d["style"] == "engagement")["data"]
    assert gained == rec.daily(made, window.days, world["org"].timezone)
    people = [(r[0], *(number(c) for c in r[1:])) for r in rows_of(html, 'data-table="ambassadors"')]
    assert people == rec.by_member(made, by_name)

    table = rows_of(html, "Shares and counted clicks per campaign</caption>")
    campaigns = {r[0]: (int(r[1]), int(r[2])) for r in table}
    assert campaigns == {"Spring": (2, 5), "Autumn": (3, 2)}
    assert f'href="/campaigns/{world["spring"].id}/analytics"' in html
    assert "Bob South" not in html and "Dee Gone" not in html and "Delta" not in html
    for table in ("per-day", "networks", "ambassadors", "engagement", "campaigns"):
        for fmt in ("csv", "xlsx"):
            assert f'href="/overview/teams/{world["north"].id}/{table}.{fmt}?period=30"' in html


@pytest.fixture
def world_north(client, login, teams_world):
    login(teams_world["manager"].user)
    return teams_world, body(client.get(f"/overview/teams/{teams_world['north'].id}"))


def test_the_emv_is_the_teams(world_north):
    world, html = world_north
    made, (_by_name, by_network), _window = expected(world, {"Ann North", "Cas Both"})
    value = world["rec"].emv_value(made, by_network)
    assert f"data-emv-value>€{value:,.2f}<" in html and f'data-stat="emv">€{value:,.2f}<' in html


def test_another_team_and_a_custom_range(client, login, teams_world):
    login(teams_world["manager"].user)
    world = teams_world
    html = body(client.get(f"/overview/teams/{world['south'].id}"))
    made, (by_name, _by_network), _window = expected(world, {"Bob South", "Cas Both"})
    assert stat(html, "shares") == len(made) == 3 and stat(html, "clicks") == 6
    names = [r[0] for r in world["rec"].by_member(made, by_name)]
    assert [r[0] for r in rows_of(html, 'data-table="ambassadors"')] == names
    day = periods.last_days(world["org"], 1).last_day
    first = day - timedelta(days=60)
    html = body(client.get(f"/overview/teams/{world['north'].id}?period=custom&from={first}&to={day}"))
    assert stat(html, "shares") == 6  # the share of 45 days ago too
    assert f"/overview/teams/{world['north'].id}/engagement.csv?period=custom&amp;from={first}&amp;to={day}" in html
    # The overview and the team's leaderboard are linked for the same dates.
    assert f'href="/overview?period=custom&amp;from={first}&amp;to={day}"' in html
    assert f'href="/leaderboard?team={world["north"].id}&amp;period=custom&amp;from={first}&amp;to={day}"' in html


def test_exports_hold_every_row(client, login, teams_world):
    login(teams_world["manager"].user)
    team = teams_world["north"]

    def rows(table: str) -> list[list[str]]:
        response = client.get(f"/overview/teams/{team.id}/{table}.csv?period=30")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="{table}-team-{team.id}-gamma-30.csv"')
        return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))

    assert rows("campaigns") == [["campaign", "shares", "clicks"], ["Spring", "2", "5"], ["Autumn", "3", "2"]]
    assert len(rows("engagement")) == 1 + 5
    assert [r[0] for r in rows("ambassadors")[1:]] == ["Ann North", "Cas Both"]
    assert client.get(f"/overview/teams/{team.id}/posts.csv").status_code == 404


def test_only_managers_of_the_organization(client, login, make, teams_world):
    world = teams_world
    login(world["outsider"].user)
    for url in (f"/overview/teams/{world['north'].id}", f"/overview/teams/{world['north'].id}/engagement.csv"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/overview/teams/{world['theirs'].id}").status_code == 200
    client.post("/logout")
    login(make.member(world["org"], role="curator").user)
    assert client.get(f"/overview/teams/{world['north'].id}").status_code == 403


def test_the_overview_and_the_teams_page_link_to_it(client, login, make, teams_world):
    world = teams_world
    login(make.member(world["org"], role="admin").user)
    team = world["north"]
    assert f'href="/overview/teams/{team.id}?period=30"' in body(client.get("/overview?period=30"))
    assert f'href="/overview/teams/{team.id}"' in body(client.get("/teams"))


def test_statements_do_not_grow_with_the_shares(client, login, db, make, act):
    org = make.org()
    team = make.team(org)
    manager = make.member(org, role="manager")
    post = make.post(make.campaign(org), created_at=utcnow() - timedelta(days=3))
    members = [make.member(org, name=f"Member {n:02}", teams=[team]) for n in range(30)]
    login(manager.user)
    counts = statements_as_shares_grow(client, Recorder(db, act), members, post, f"/overview/teams/{team.id}")
    assert counts[0] == counts[1], counts
