"""Charts through the test client: each chart's JSON spec, its data table, what is said when a figure is
unknown, the curators' post and campaign analytics pages and who may see them."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from ambassador.models import SurveyResponse, nps_group, utcnow

from ..services.nps.test_surveys import make_survey


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def spec(html: str, chart_id: str) -> dict:
    found = re.search(rf'<script type="application/json" id="{chart_id}-data">(.*?)</script>', html, re.S)
    assert found, chart_id
    return json.loads(found.group(1))


def table_rows(html: str, chart_id: str) -> list[list[str]]:
    """The rows (header cell and data cells, as text) of the table inside a chart's <figure>."""
    figure = re.search(rf'<figure class="chart" id="{chart_id}".*?</figure>', html, re.S)
    assert figure, chart_id
    body_html = re.search(r"<tbody>(.*?)</tbody>", figure.group(0), re.S).group(1)
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body_html, re.S)]


def test_pages_with_charts_carry_no_inline_script(client, login, world):
    """The CSP allows scripts from our origin only: charts get their data from JSON blocks."""
    login(world["manager"].user)
    for url in ("/overview", f"/posts/{world['post'].id}/analytics", f"/campaigns/{world['campaign'].id}/analytics",
                "/me/activity", "/surveys/results"):
        html = body(client.get(url))
        assert "/static/vendor/chartjs/chart.umd.min.js" in html and "/static/js/charts.js" in html, url
        for attributes in re.findall(r"<script([^>]*)>", html):
            assert "src=" in attributes or 'type="application/json"' in attributes, (url, attributes)
        assert "style=" not in html and "https://cdn" not in html, url


@pytest.fixture
def world(make, act):
    org = make.org(name="Alpha", timezone="UTC")
    team = make.team(org, "Alpha Sales")
    campaign = make.campaign(org, title="Alpha spring")
    post = make.post(campaign, title="Alpha launch")
    ann = make.member(org, name="Alpha Ann", teams=[team])
    bob = make.member(org, name="Alpha Bob")
    now = utcnow() - timedelta(minutes=5)
    act.share(ann, post, now)
    act.share(bob, post, now, network="x")
    act.click(ann, post, now)
    act.click(ann, post, now - timedelta(days=8))  # the previous 7 days
    act.points(ann, 5, now, reason="share")
    return {"org": org, "campaign": campaign, "post": post, "ann": ann, "bob": bob,
            "manager": make.member(org, role="manager", name="Mia Manager"),
            "curator": make.member(org, role="curator", name="Cleo Curator")}


def test_overview_charts_and_their_tables(client, login, world):
    login(world["manager"].user)
    html = body(client.get("/overview?period=7"))
    trend = spec(html, "chart-trend")
    assert trend["type"] == "line" and len(trend["labels"]) == 7
    assert [d["style"] for d in trend["datasets"]] == ["shares", "clicks", "shares-previous", "clicks-previous"]
    assert [sum(d["data"]) for d in trend["datasets"]] == [2, 1, 0, 1]
    rows = table_rows(html, "chart-trend")
    assert len(rows) == 7 and [r[1:3] for r in rows][-1] == ["2", "1"] and rows[-1][4:] == ["0", "0"]
    assert sum(int(r[5]) for r in rows) == 1  # the click 8 days ago is in the previous period
    assert "previous period: 1" in html
    assert [r for r in table_rows(html, "chart-networks")] == [["LinkedIn", "1", "1"], ["X", "1", "0"]]
    assert table_rows(html, "chart-teams") == [["Alpha Sales", "1", "1"], ["No team", "1", "0"]]
    assert table_rows(html, "chart-campaigns") == [["Alpha spring", "2", "1"]]
    assert spec(html, "chart-networks")["labels"] == ["LinkedIn", "X"]
    assert 'role="img"' in html and "<figcaption" in html and 'class="chart__data"' in html
    # No share was read back from a network: no engagement line, and the page says it is unknown (not 0).
    note = re.search(r"<p[^>]*data-engagement-note>(.*?)</p>", html, re.S).group(1)
    assert "unknown, not 0" in note and "data-engagement-compare" not in html
    assert len(rows[-1]) == 6  # no engagement columns


def test_overview_without_activity_shows_empty_breakdowns(client, login, make):
    manager = make.member(make.org(), role="manager")
    login(manager.user)
    html = body(client.get("/overview?period=7"))
    assert len(table_rows(html, "chart-trend")) == 7
    assert 'id="chart-networks"' not in html and html.count("No shares or clicks in this period.") >= 3


def test_nps_trend_chart_has_the_margin_as_a_band(client, login, db, make):
    manager = make.member(make.org(name="Bakkerij"), role="manager")
    survey = make_survey(make, db, org=manager.organization, title="Winkel")
    now = utcnow()
    for score in (10, 10, 9, 8, 2) * 2:
        db.session.add(SurveyResponse(org_id=survey.org_id, survey_id=survey.id, score=score, group=nps_group(score)))
    # The first answer, three weeks ago: the trend starts there, the weeks between are gaps
    db.session.add(SurveyResponse(org_id=survey.org_id, survey_id=survey.id, score=10, group="promoter",
                                  created_at=now - timedelta(weeks=3)))
    db.session.flush()
    login(manager.user)
    for url in (f"/surveys/{survey.id}", "/surveys/results"):
        html = body(client.get(url))
        weeks = spec(html, "chart-nps-weeks")
        low, high, nps = (d["data"] for d in weeks["datasets"])
        assert [d["style"] for d in weeks["datasets"]] == ["band-low", "band-high", "nps"]
        assert nps == [100.0, None, None, 40.0]  # weeks without answers are gaps, not zeros; none before the first
        # ±39.2 around +40 (p = 0.6, d = 0.2, n = 10); one answer has no band at all (too few for a margin)
        assert (low[-1], high[-1]) == (round(40 - 1.96 * 100 * (0.64 / 10) ** 0.5, 1),
                                       round(40 + 1.96 * 100 * (0.64 / 10) ** 0.5, 1))
        assert low[0] is None and high[0] is None
        assert weeks["y"]["scale"] == "nps"
        months = 1 if (now - timedelta(weeks=3)).month == now.month else 2
        assert len(table_rows(html, "chart-nps-weeks")) == 4 and len(table_rows(html, "chart-nps-months")) == months


def test_my_activity_trend(client, login, world):
    login(world["ann"].user)
    html = body(client.get("/me/activity"))
    trend = spec(html, "chart-my-trend")
    assert len(trend["labels"]) == 30 and [sum(d["data"]) for d in trend["datasets"]] == [1, 2, 5]
    rows = table_rows(html, "chart-my-trend")
    assert len(rows) == 30 and rows[-1][1:] == ["1", "1", "5"]


def test_my_activity_trend_when_empty(client, login, make):
    member = make.member(make.org())
    login(member.user)
    html = body(client.get("/me/activity"))
    assert 'id="chart-my-trend"' not in html and "Nothing in the last 30 days yet" in html


@pytest.mark.parametrize("role", ["curator", "manager"])
def test_post_and_campaign_analytics_for_curators_and_managers(client, login, world, role):
    login(world[role].user)
    post, campaign = world["post"], world["campaign"]
    assert f'href="/posts/{post.id}/analytics"' in body(client.get(f"/posts/{post.id}"))
    assert f'href="/campaigns/{campaign.id}/analytics"' in body(client.get(f"/campaigns/{campaign.id}"))

    html = body(client.get(f"/posts/{post.id}/analytics?period=30"))
    assert 'data-stat="shares">2<' in html and 'data-stat="clicks">2<' in html
    assert table_rows(html, "chart-networks") == [["LinkedIn", "1", "2"], ["X", "1", "0"]]
    assert sum(int(r[1]) for r in table_rows(html, "chart-series")) == 2
    assert re.findall(r'<th scope="row">([^<]+)</th><td class="num">(\d+)</td><td class="num">(\d+)</td>',
                      html.split('data-table="ambassadors"')[1].split("</table>")[0]) == [
        ("Alpha Ann", "1", "2"), ("Alpha Bob", "1", "0")]
    # Intent shares only: engagement and potential reach are unknown (never 0); the EMV values the clicks.
    assert re.search(r'data-stat="engagement"><span class="muted">unknown</span>', html)
    assert re.search(r'data-stat="reach"><span class="muted">unknown</span>', html)
    assert "2 shares went through share links" in html and "LinkedIn 1, X 1." in html
    assert "Not yet available" not in html and "data-emv-formula" in html
    assert 'id="chart-posts"' not in html
    # "Since it was created" (the default) starts on the post's day: the click 8 days before it is not in it.
    assert 'data-stat="clicks">1<' in body(client.get(f"/posts/{post.id}/analytics"))

    html = body(client.get(f"/campaigns/{campaign.id}/analytics?period=30"))
    assert table_rows(html, "chart-posts") == [["Alpha launch", "2", "2"]]
    assert f'href="/posts/{post.id}/analytics"' in html
    assert '<option value="30" selected>' in html


def test_analytics_pages_refuse_ambassadors(client, login, world):
    login(world["ann"].user)
    assert client.get(f"/posts/{world['post'].id}/analytics").status_code == 403
    assert client.get(f"/campaigns/{world['campaign'].id}/analytics").status_code == 403


def test_another_organizations_post_and_campaign_are_not_found(client, login, make, world):
    outsider = make.member(make.org(name="Beta"), role="admin")
    login(outsider.user)
    assert client.get(f"/posts/{world['post'].id}/analytics").status_code == 404
    assert client.get(f"/campaigns/{world['campaign'].id}/analytics").status_code == 404
    html = body(client.get("/overview?period=7"))
    assert "Alpha" not in html


def test_overview_draws_engagement_against_the_previous_period(client, login, db, make, act):
    from ambassador.services.analytics import periods, trends

    from ..services.analytics.engagement_data import Recorder

    org = make.org(timezone="Europe/Brussels")
    manager = make.member(org, role="manager")
    ann = make.member(org, name="Ann")
    post = make.post(make.campaign(org))
    rec = Recorder(db, act)
    x, bluesky = rec.account(ann, "x", 800), rec.account(ann, "bluesky", 120)
    now = utcnow()
    current = [rec.api_share(ann, post, x, now - timedelta(days=4), readings=4, now=now),
               rec.api_share(ann, post, bluesky, now - timedelta(days=2), readings=2, now=now)]
    before = rec.api_share(ann, post, x, now - timedelta(days=10), readings=2, now=now - timedelta(days=8))
    # Shared in the previous period, it gains 40 likes this week: counted this week, on the day of that reading.
    gained = {**before.readings[-1][1], "likes": before.readings[-1][1]["likes"] + 40}
    rec.read(before, now - timedelta(days=1), gained)
    window = periods.last_days(org, 7)
    previous = trends.previous_window(org, window)
    login(manager.user)
    html = body(client.get("/overview?period=7"))
    trend = spec(html, "chart-trend")
    lines = {d["style"]: d["data"] for d in trend["datasets"]}
    assert lines["engagement"] == rec.daily(rec.made, window.days, org.timezone)
    assert lines["engagement-previous"] == rec.daily(rec.made, previous.days, org.timezone)
    assert lines["engagement-previous"] == rec.daily([before], previous.days, org.timezone)
    assert sum(lines["engagement"]) == sum(m.engagement for m in current) + 40
    rows = table_rows(html, "chart-trend")
    assert [int(r[3]) for r in rows] == lines["engagement"]
    assert [int(r[7]) for r in rows] == lines["engagement-previous"]
    now_total, before_total = sum(lines["engagement"]), sum(lines["engagement-previous"])
    assert re.search(rf"data-engagement-compare>Engagement: <strong class=\"num\">{now_total}</strong> · "
                     rf"previous period: {before_total}<", html)
    note = re.search(r"<p[^>]*data-engagement-note>(.*?)</p>", html, re.S).group(1)
    assert "gained that day, whichever day they went out" in note
