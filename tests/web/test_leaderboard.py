import csv
import io
import re
from datetime import timedelta

import pytest

from ambassador.models import utcnow
from ambassador.services.community.points import local_day


@pytest.fixture
def org_a(make, act):
    """Org A with a team, two ranked ambassadors, a post with shares and clicks."""
    org = make.org(name="Alpha")
    team = make.team(org, "Alpha Sales")
    post = make.post(make.campaign(org), title="Alpha launch")
    ann = make.member(org, name="Alpha Ann", teams=[team])
    bob = make.member(org, name="Alpha Bob", kind="external")
    now = utcnow() - timedelta(minutes=5)
    act.points(ann, 12, now)
    act.points(bob, 3, now - timedelta(days=8))
    act.share(ann, post, now)
    act.click(ann, post, now)
    org.team = team
    org.ann, org.bob = ann, bob
    return org


def body(response) -> str:
    return response.get_data(as_text=True)


# A ranked row's name cell, past the member's avatar (initials in a circle).
NAME_CELL = r'<th scope="row">(?:<span class="person"><span class="avatar[^"]*" aria-hidden="true">[^<]*</span><span>)?'


def ranked_names(response) -> list[str]:
    return [name.strip() for name in re.findall(NAME_CELL + r'([^<]+)', body(response))]


def test_leaderboard_page_for_an_ambassador(client, login, org_a):
    login(org_a.bob.user)
    html = body(client.get("/leaderboard?period=all"))
    assert '<form method="get"' in html
    assert "<caption>" in html and '<th scope="col" class="num">Points</th>' in html
    assert re.search(r'<tr class="is-me" aria-current="true">\s*<td class="num">2</td>', html)
    assert "Your rank: 2 of 2, with 3 points." in html
    assert '<td class="num"><strong>12</strong></td>' in html
    assert "Download CSV" not in html  # managers only
    # Bob's points are 8 days old: not in the last 7 days.
    assert "Your rank: 2 of 2, with 0 points." in body(client.get("/leaderboard?period=7"))


def test_leaderboard_filters(client, login, org_a):
    login(org_a.ann.user)
    assert ranked_names(client.get("/leaderboard?period=all")) == ["Alpha Ann", "Alpha Bob"]
    assert ranked_names(client.get(f"/leaderboard?period=all&team={org_a.team.id}")) == ["Alpha Ann"]
    assert ranked_names(client.get("/leaderboard?period=all&kind=external")) == ["Alpha Bob"]
    assert ranked_names(client.get("/leaderboard?period=all&kind=internal")) == ["Alpha Ann"]


def test_own_row_after_the_top_20(client, login, make, act, org_a):
    for i in range(22):
        act.points(make.member(org_a, name=f"Filler {i:02d}"), 50 + i, utcnow())
    login(org_a.bob.user)
    html = body(client.get("/leaderboard?period=all"))
    assert html.count('class="is-me"') == 1
    assert html.index("Ranks in between are not shown.") < html.index('class="is-me"')
    assert "Your rank: 24 of 24" in html and "Alpha Ann" not in html


def test_overview_is_for_managers_only(client, login, make, org_a):
    login(org_a.ann.user)
    assert client.get("/overview").status_code == 403
    assert client.get("/leaderboard.csv").status_code == 403


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/leaderboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_overview_page_for_a_manager(client, login, make, org_a):
    manager = make.member(org_a, role="manager", name="Mia Manager")
    login(manager.user)
    html = body(client.get("/overview?period=7"))
    assert "Alpha launch" in html and "Active ambassadors: 1 of 2 shared at least once" in html
    assert "50%" in html and 'id="chart-trend"' in html
    assert "Potential impressions" in html and "Earned media value" in html
    html = body(client.get("/overview?period=custom&from=2026-03-10&to=2026-03-01"))
    assert "The end date must be on or after the start date." in html and 'aria-invalid="true"' in html


def test_csv_link_carries_only_the_known_filters(client, login, make, org_a):
    manager = make.member(org_a, role="manager")
    login(manager.user)
    html = body(client.get(f"/leaderboard?period=7&kind=external&team={org_a.team.id}&_external=1&_scheme=javascript"))
    link = re.search(r'href="([^"]*leaderboard\.csv[^"]*)"', html).group(1)
    assert link == f"/leaderboard.csv?period=7&amp;team={org_a.team.id}&amp;kind=external"
    link = re.search(r'href="([^"]*leaderboard\.csv[^"]*)"', body(client.get("/leaderboard"))).group(1)
    assert link == "/leaderboard.csv?period=30"


def test_csv_download_follows_the_filters(client, login, make, org_a):
    manager = make.member(org_a, role="manager", name="Mia Manager")
    login(manager.user)
    response = client.get(f"/leaderboard.csv?period=all&team={org_a.team.id}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="leaderboard-{org_a.slug}-all.csv"'
    rows = list(csv.reader(io.StringIO(body(response).lstrip("\ufeff"))))
    assert rows == [["rank", "name", "teams", "kind", "points", "shares", "clicks"],
                    ["1", "Alpha Ann", "Alpha Sales", "internal", "12", "1", "1"]]
    rows = list(csv.reader(io.StringIO(body(client.get("/leaderboard.csv?period=7")).lstrip("\ufeff"))))
    assert [r[1] for r in rows[1:]] == ["Alpha Ann", "Alpha Bob", "Mia Manager"]
    assert [r[4] for r in rows[1:]] == ["12", "0", "0"]


def test_org_b_manager_never_sees_org_a(client, login, make, act, org_a):
    org_b = make.org(name="Beta")
    own_team = make.team(org_b, "Beta Team")
    manager = make.member(org_b, role="manager", name="Beta Boss", teams=[own_team])
    login(manager.user)
    foreign = org_a.team.id
    assert client.get(f"/leaderboard?team={foreign}").status_code == 404
    assert client.get(f"/leaderboard.csv?team={foreign}&period=all").status_code == 404
    for url in ("/leaderboard?period=all", "/leaderboard.csv?period=all", "/overview?period=90",
                "/overview?period=custom&from=2000-01-01&to=2000-12-31", f"/leaderboard?team={own_team.id}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Alpha" not in body(response), url
    assert "Alpha Sales" not in body(client.get("/leaderboard"))  # not even in the team filter


def test_click_figures_say_how_clicks_are_counted(client, login, make, org_a, app, monkeypatch):
    monkeypatch.setitem(app.config, "CLICKS_PER_ADDRESS_PER_LINK_PER_DAY", 2)
    manager = make.member(org_a, role="manager")
    login(manager.user)
    rule = ("Clicks: one per visitor address per link per hour, at most 2 a day; "
            "bots and link previews are not counted.")
    for page in ("/leaderboard", "/overview"):
        assert rule in body(client.get(page)), page


def test_campaign_and_network_filters(client, login, make, act, org_a):
    other_post = make.post(make.campaign(org_a, title="Autumn"), title="Autumn post")
    cas = make.member(org_a, name="Alpha Cas")
    act.share(cas, other_post, utcnow() - timedelta(minutes=1), network="x")
    act.click(cas, other_post, utcnow() - timedelta(minutes=1), network="x")
    login(org_a.ann.user)
    html = body(client.get(f"/leaderboard?period=all&campaign={other_post.campaign_id}"))
    # Every ranked member is listed; in the campaign only Cas has shares and clicks.
    rows = re.findall(NAME_CELL + r'([^<]+?)\s*<.*?</th>\s*<td class="lb-teams">.*?</td>\s*<td class="lb-kind">.*?'
                      r'</td>\s*<td class="num"><strong>(-?\d+)</strong></td>\s*<td class="num">(\d+)</td>', html, re.S)
    assert ("Alpha Cas", "0", "1") in rows and ("Alpha Ann", "0", "0") in rows
    assert "only points from shares and their clicks count" in html
    assert f'<option value="{other_post.campaign_id}" selected>Autumn</option>' in html
    x_board = body(client.get("/leaderboard?period=all&network=x"))
    assert '<option value="x" selected>X</option>' in x_board
    assert re.search(r"Alpha Cas\s*<", x_board)
    # An unknown network is no filter; another organization's campaign is a 404.
    assert ranked_names(client.get("/leaderboard?period=all&network=myspace")) == ranked_names(
        client.get("/leaderboard?period=all"))
    theirs = make.campaign(make.org())
    assert client.get(f"/leaderboard?campaign={theirs.id}").status_code == 404


def test_filter_controls_are_labelled(client, login, org_a):
    login(org_a.ann.user)
    html = body(client.get("/leaderboard"))
    for control in ("period", "period-from", "period-to", "team", "kind", "campaign", "network"):
        assert f'<label class="field__label" for="{control}">' in html, control
        assert f'id="{control}"' in html, control
    assert '<option value="90"' in html and '<option value="quarter"' in html and '<option value="custom"' in html


def test_quarter_90_days_and_custom_range(client, login, act, org_a):
    login(org_a.ann.user)
    assert "Last 90 days" in body(client.get("/leaderboard?period=90"))
    assert "This quarter" in body(client.get("/leaderboard?period=quarter"))
    old = utcnow() - timedelta(days=40)
    act.points(org_a.bob, 50, old)
    day = local_day(org_a, old).isoformat()  # the organization's day, as boards count them (not UTC's)
    custom = client.get(f"/leaderboard?period=custom&from={day}&to={day}")
    assert ranked_names(custom)[0] == "Alpha Bob"
    wrong = body(client.get("/leaderboard?period=custom&from=2026-02-10&to=2026-02-01"))
    assert 'role="alert"' in wrong and 'aria-invalid="true"' in wrong


def test_movement_since_the_previous_period(client, login, make, act, org_a):
    # Last 7 days: Ann 12, Bob 0. The 7 days before: Bob 3 (8 days ago), Ann nothing.
    login(org_a.ann.user)
    html = body(client.get("/leaderboard?period=7"))
    assert '<th scope="col" class="num">Change</th>' in html
    assert re.search(r"Alpha Ann.*?<span class=\"badge badge--ok\">new</span>", html, re.S)
    assert re.search(r"Alpha Bob.*?▼ 1</span><span class=\"visually-hidden\">1 place down, was 1", html, re.S)
    # All time has no previous period: no change column.
    assert "Change</th>" not in body(client.get("/leaderboard?period=all"))
