"""Charts in a real browser: the overview's chart is drawn (pixels on its canvas, no CSP refusal)
and its table, which screen readers and printers get, has the right rows."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from ambassador.extensions import db as _db
from ambassador.models import utcnow
from ambassador.services.community.points import local_day

from ..factories import PASSWORD
from ..services.analytics.leaderboard_data import Activity
from .conftest import log_in

MANAGER = "charts-manager@e2e.test"
# Pixels of the chart's canvas that are not transparent: axes, grid, lines and legend.
DRAWN_PIXELS = """canvas => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) { drawn += 1; } }
  return drawn;
}"""


@pytest.fixture(scope="module")
def chart_org(live_server):
    """A manager and a week of activity: today 1 share and 3 clicks, yesterday 2 shares, 8 days ago 1 share."""
    with live_server.session():
        act = Activity(_db)
        org = act.org(name="Chart Bakery", timezone="UTC")
        act.member(org, role="manager", email=MANAGER, name="Mona Manager")
        ann = act.member(org, name="Ann Chart", teams=[act.team(org, "Bakers")])
        post = act.post(act.campaign(org, title="Bread week"), title="Sourdough")
        noon = utcnow().replace(hour=12, minute=0, second=0, microsecond=0)  # UTC organization: today's noon
        act.share(ann, post, noon)
        for _ in range(3):
            act.click(ann, post, noon)
        act.share(ann, post, noon - timedelta(days=1))
        act.share(ann, post, noon - timedelta(days=1), network="x")
        act.share(ann, post, noon - timedelta(days=8))
        return {"today": local_day(org, noon)}


def test_overview_chart_is_drawn_and_its_table_has_the_days(page, chart_org):
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text else None)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, MANAGER, PASSWORD)
    page.goto("/overview?period=7")

    canvas = page.locator("#chart-trend canvas")
    expect(canvas).to_have_attribute("data-chart-drawn", "true")
    expect(canvas).to_have_attribute("role", "img")
    box = canvas.bounding_box()
    assert box["width"] > 600 and box["height"] > 200
    assert canvas.evaluate(DRAWN_PIXELS) > 5_000
    for other in ("#chart-networks", "#chart-teams", "#chart-campaigns"):
        expect(page.locator(f"{other} canvas")).to_have_attribute("data-chart-drawn", "true")

    # The figures as a table, behind its summary: 7 days, today last, and the previous period's day.
    table = page.locator("#chart-trend table")
    expect(table).to_be_hidden()
    page.locator("#chart-trend summary").click()
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(7)
    cells = [rows.nth(i).locator("th, td").all_inner_texts() for i in range(7)]
    assert [c[1:3] for c in cells][-2:] == [["2", "0"], ["1", "3"]]
    assert sum(int(c[4]) for c in cells) == 1  # 8 days ago: the previous period
    assert cells[-1][0].endswith(chart_org["today"].strftime("%-d %b"))
    expect(page.locator("#chart-networks table tbody tr")).to_have_count(2)
    assert refused == []


def test_charts_print_with_their_tables(page, chart_org):
    log_in(page, MANAGER, PASSWORD)
    page.goto("/overview?period=7")
    expect(page.locator("#chart-trend canvas")).to_have_attribute("data-chart-drawn", "true")
    page.emulate_media(media="print")
    expect(page.locator("#chart-trend table")).to_be_visible()
    expect(page.locator("#chart-networks table")).to_be_visible()
    expect(page.locator("header.topbar")).to_be_hidden()
