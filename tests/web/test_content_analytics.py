"""The post and campaign analytics pages: every figure shown equals the figure computed here, independently, from the
rows the test wrote (tests/services/analytics/engagement_data.py); unknown is written as unknown (never 0); deleted
posts are marked and keep their last figures; other organizations' content is not found; the statements sent do not
grow with the shares; the tables download as CSV and XLSX with formulas neutralised."""
from __future__ import annotations

import csv
import io
import json
import random
import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest

from ambassador.models import utcnow
from ambassador.services.analytics import content_stats, periods
from ambassador.services.community.points import local_day

from ..services.analytics.engagement_data import Recorder, clicks_by
from ..services.analytics.xlsx_reader import read_xlsx
from .test_list_queries import counted_statements

NAMES = {"x": "X", "linkedin": "LinkedIn", "bluesky": "Bluesky", "mastodon": "Mastodon", "whatsapp": "WhatsApp"}
FIGURES = ("shares", "read", "likes", "reposts", "replies", "quotes", "impressions", "engagement", "reach")


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def number(text: str) -> int | None:
    """A cell as a figure: None when it says unknown."""
    text = re.sub(r"<[^>]+>", "", text).strip()
    if text == "unknown":
        return None
    return int(text.replace(",", "").replace("\u2212", "-"))


def stat(html: str, name: str) -> int | None:
    found = re.search(rf'data-stat="{name}">(.*?)</div>', html, re.S)
    assert found, name
    return number(found.group(1))


def rows_of(html: str, marker: str) -> list[list[str]]:
    table = html.split(marker, 1)[1].split("</table>", 1)[0]
    return [[unescape(re.sub(r"<[^>]+>", "", c).strip()) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("</thead>", 1)[1], re.S)]


def network_rows(html: str) -> dict[str, dict]:
    """The engagement table by network: {network code: {figure: value}} (the total row under "all")."""
    table = html.split('data-table="engagement"', 1)[1].split("</table>", 1)[0]
    out = {}
    for code, row in re.findall(r'<tr data-network="([^"]+)">(.*?)</tr>', table, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        out[code] = dict(zip(FIGURES, (number(c) for c in cells), strict=True))
    return out


def chart(html: str, chart_id: str) -> dict:
    found = re.search(rf'<script type="application/json" id="{chart_id}-data">(.*?)</script>', html, re.S)
    assert found, chart_id
    return json.loads(found.group(1))


@pytest.fixture
def world(db, make, act):
    now = utcnow()
    org = make.org(name="Gamma", timezone="Europe/Brussels", slug="gamma")
    campaign = make.campaign(org, title="Gamma spring", created_at=now - timedelta(days=7))
    p1 = make.post(campaign, title="Gamma launch", created_at=now - timedelta(days=6))
    p2 = make.post(campaign, title="+Gamma recipe", created_at=now - timedelta(days=6))
    elsewhere = make.post(make.campaign(org), title="Gamma elsewhere", created_at=now - timedelta(days=6))
    ann = make.member(org, name="Gamma Ann")
    bob = make.member(org, name="=HYPERLINK(\"http://evil.example\")")
    cas = make.member(org, name="Gamma Cas")
    rec = Recorder(db, act, random.Random(20260309))

    def ago(days: float, hours: float = 0):
        return now - timedelta(days=days, hours=hours)

    ann_x, ann_linkedin = rec.account(ann, "x", 1200), rec.account(ann, "linkedin", None)
    bob_bluesky, bob_mastodon = rec.account(bob, "bluesky", 300), rec.account(bob, "mastodon", None)
    cas_x = rec.account(cas, "x", 50)
    rec.api_share(ann, p1, ann_x, ago(5), readings=4, now=now)
    rec.api_share(ann, p1, ann_linkedin, ago(4))  # LinkedIn reports nothing for members' accounts
    rec.api_share(bob, p1, bob_bluesky, ago(3, 5), readings=3, now=now,
                  figures={"likes": 0, "reposts": 0, "replies": 0, "quotes": 0, "impressions": None})
    rec.api_share(bob, p1, bob_mastodon, ago(2), readings=2, now=now,
                  figures={"likes": 0, "reposts": 0, "replies": 0, "quotes": None, "impressions": None})
    rec.api_share(cas, p1, cas_x, ago(4, 2), readings=2, deleted=True, now=now)  # its last figures count
    rec.api_share(bob, p1, bob_bluesky, ago(0, 2))  # not read back yet
    rec.intent_share(ann, p1, ago(1), "linkedin")
    rec.intent_share(bob, p1, ago(1, 3), "whatsapp")
    rec.intent_share(cas, p1, ago(0, 3), "x")
    rec.api_share(cas, p2, cas_x, ago(3), readings=3, now=now)
    rec.intent_share(ann, p2, ago(2), "bluesky")
    rec.api_share(ann, elsewhere, ann_x, ago(2), readings=2, now=now)  # another campaign of the organization

    clicks = []
    for member, post, network, count in ((ann, p1, "x", 3), (bob, p1, "bluesky", 2), (bob, p1, "whatsapp", 4),
                                         (cas, p1, "x", 1), (ann, p1, "linkedin", 2), (cas, p2, "x", 2),
                                         (ann, elsewhere, "x", 5)):
        for n in range(count):
            act.click(member, post, ago(1, n), network=network)
            clicks.append((member.user.name, network, post.id))

    other = make.org(name="Delta")
    stranger = make.member(other, name="Delta Dan")
    theirs = make.post(make.campaign(other), title="Delta news", created_at=now - timedelta(days=6))
    Recorder(db, act).api_share(stranger, theirs, rec.account(stranger, "x", 99999), ago(3), readings=3, now=now)
    act.click(stranger, theirs, ago(1), network="x")
    return {"org": org, "campaign": campaign, "p1": p1, "p2": p2, "rec": rec, "clicks": clicks, "theirs": theirs,
            "curator": make.member(org, role="curator", name="Gamma Curator"),
            "outsider": make.member(other, role="manager", name="Delta Manager")}


def expected_clicks(world, post_ids: set[int]):
    return clicks_by([(name, network) for name, network, post_id in world["clicks"] if post_id in post_ids])


def check_page(html: str, world, post_ids: set[int], first_day):
    rec, org = world["rec"], world["org"]
    made = rec.of(post_ids)
    by_name, by_network = expected_clicks(world, post_ids)
    networks = rec.per_network(made)

    assert stat(html, "shares") == len(made) and stat(html, "clicks") == sum(by_network.values())
    assert stat(html, "engagement") == sum(n["engagement"] or 0 for n in networks.values())
    assert stat(html, "reach") == sum(m.followers or 0 for m in made if m.api)

    shown = network_rows(html)
    assert set(shown) == set(networks) | {"all"}
    for code, figures in networks.items():
        assert shown[code] == {name: figures[name] for name in FIGURES}, code
    assert shown["linkedin"]["engagement"] is None and shown["whatsapp"]["reach"] is None  # unknown, not 0
    assert shown["all"]["engagement"] == stat(html, "engagement")

    window = periods.days_window(org, first_day, periods.last_days(org, 1).last_day)
    series = chart(html, "chart-series")
    engagement = next(d for d in series["datasets"] if d["style"] == "engagement")
    expected_days = rec.daily(made, window.days, org.timezone)
    assert engagement["data"] == expected_days
    # Since the post (campaign) was created, every share and every reading is in the window: the days add up.
    assert sum(engagement["data"]) == stat(html, "engagement")
    table = [number(row[3]) for row in rows_of(html, 'data-chart-table="series"')]
    assert table == expected_days

    people = [(r[0], *(number(c) for c in r[1:])) for r in rows_of(html, 'data-table="ambassadors"')]
    assert people == rec.by_member(made, by_name)

    value = re.search(r"data-emv-value>€([\d,.]+)<", html).group(1)
    assert Decimal(value.replace(",", "")) == rec.emv_value(made, by_network)
    assert re.search(r'data-stat="emv">€' + re.escape(value) + "<", html)
    return shown


def test_post_page_figures_equal_the_rows(client, login, world):
    login(world["curator"].user)
    post = world["p1"]
    html = body(client.get(f"/posts/{post.id}/analytics"))
    first_day = local_day(world["org"], post.created_at)
    shown = check_page(html, world, {post.id}, first_day)
    # The deleted post is marked, and its last figures count (check_page compared them with the rows).
    assert shown["x"]["engagement"] >= sum(m.engagement for m in world["rec"].of({post.id}) if m.deleted)
    assert re.search(r'<tr data-network="x"><th scope="row">X <span class="badge badge--warn">1 deleted', html)
    assert "1 post was deleted on X" in html
    assert "LinkedIn does not report engagement for the account 1 share went through" in html
    assert "1 share not read back from Bluesky yet" in html
    assert "Potential reach unknown for 1 share: Mastodon" in html
    assert "3 shares went through share links" in html and "X 1, LinkedIn 1, WhatsApp 1." in html
    assert "Delta" not in html and "99999" not in html
    for table in ("per-day", "networks", "ambassadors", "engagement"):
        for fmt in ("csv", "xlsx"):
            assert f'href="/posts/{post.id}/analytics/{table}.{fmt}?period=since"' in html


def test_campaign_page_figures_equal_the_rows(client, login, world):
    login(world["curator"].user)
    campaign = world["campaign"]
    html = body(client.get(f"/campaigns/{campaign.id}/analytics"))
    first_day = local_day(world["org"], campaign.created_at)
    check_page(html, world, {world["p1"].id, world["p2"].id}, first_day)
    assert "Gamma elsewhere" not in html
    assert f'href="/campaigns/{campaign.id}/analytics/posts.xlsx?period=since"' in html


def test_unknown_reach_and_engagement_are_written_unknown(client, login, db, make, act):
    org = make.org()
    curator = make.member(org, role="curator")
    member = make.member(org, name="Only LinkedIn")
    post = make.post(make.campaign(org), title="Quiet")
    post.created_at = utcnow() - timedelta(hours=4)  # shared after it was written (the page starts on its day)
    rec = Recorder(db, act)
    rec.api_share(member, post, rec.account(member, "linkedin", None), utcnow() - timedelta(hours=3))
    rec.intent_share(member, post, utcnow() - timedelta(hours=2), "whatsapp")
    login(curator.user)
    html = body(client.get(f"/posts/{post.id}/analytics"))
    assert stat(html, "engagement") is None and stat(html, "reach") is None
    assert network_rows(html)["linkedin"]["reach"] is None and network_rows(html)["linkedin"]["engagement"] is None
    assert [d["style"] for d in chart(html, "chart-series")["datasets"]] == ["shares", "clicks"]  # no line of 0s
    assert "none of these shares had been read back from the networks by the end of this period" in html
    assert all(row[3] == "unknown" for row in rows_of(html, 'data-chart-table="series"'))
    people = rows_of(html, 'data-table="ambassadors"')
    assert people == [["Only LinkedIn", "2", "0", "unknown", "unknown"]]
    assert "unknown, adds nothing: impressions on every network, engagements on every network" in html


def test_another_organizations_content_and_exports_are_not_found(client, login, world):
    login(world["outsider"].user)
    post, campaign = world["p1"], world["campaign"]
    for url in (f"/posts/{post.id}/analytics", f"/campaigns/{campaign.id}/analytics",
                f"/posts/{post.id}/analytics/engagement.csv", f"/campaigns/{campaign.id}/analytics/ambassadors.xlsx",
                f"/campaigns/{campaign.id}/analytics/posts.csv"):
        assert client.get(url).status_code == 404, url
    html = body(client.get(f"/posts/{world['theirs'].id}/analytics"))  # their own post: only their figures
    assert stat(html, "shares") == 1 and "Gamma" not in html


def test_exports_hold_the_rows_and_neutralise_formulas(client, login, world):
    login(world["curator"].user)
    post, rec = world["p1"], world["rec"]
    made = rec.of({post.id})
    base = f"/posts/{post.id}/analytics"

    def rows(table: str) -> list[list[str]]:
        response = client.get(f"{base}/{table}.csv")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="{table}-post-{post.id}-gamma-since.csv"')
        return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))

    shares = rows("engagement")
    assert len(shares) == 1 + len(made)
    header = shares[0]
    assert sum(int(r[header.index("engagement")] or 0) for r in shares[1:]) == sum(m.engagement or 0 for m in made)
    states = sorted(r[header.index("state")] for r in shares[1:])
    assert states == sorted(["read"] * 3 + ["not_reported", "deleted", "waiting"] + ["share_link"] * 3)
    evil = [r for r in shares[1:] if "HYPERLINK" in r[1]]
    assert evil and all(r[1].startswith("'=") for r in evil)
    assert all(r[header.index("engagement")] == "" for r in shares[1:] if r[header.index("state")] == "share_link")

    networks = {r[0]: r for r in rows("networks")[1:]}
    expected = rec.per_network(made)
    assert networks["X"][11] == str(expected["x"]["engagement"]) and networks["LinkedIn"][11] == ""
    assert networks["WhatsApp"][2] == "4" and networks["WhatsApp"][12] == ""  # clicks; reach unknown: empty

    people = rows("ambassadors")
    assert [r[0] for r in people[1:]] == [row[0] if not row[0].startswith("=") else "'" + row[0]
                                          for row in rec.by_member(made, expected_clicks(world, {post.id})[0])]
    days = rows("per-day")
    assert sum(int(r[3]) for r in days[1:]) == sum(m.engagement or 0 for m in made)

    campaign = world["campaign"]
    response = client.get(f"/campaigns/{campaign.id}/analytics/posts.xlsx")
    sheet = read_xlsx(response.get_data())
    assert ("inlineStr", "+Gamma recipe") in [row[0] for row in sheet[1:]]
    assert all(kind != "f" for row in sheet for kind, _text in row)
    sheet = read_xlsx(client.get(f"{base}/engagement.xlsx").get_data())
    assert len(sheet) == len(shares) and all(kind != "f" for row in sheet for kind, _text in row)
    assert client.get(f"{base}/posts.csv").status_code == 404  # a post has no "by post" table
    assert client.get(f"{base}/everything.csv").status_code == 404


def statements_as_shares_grow(client, rec: Recorder, members: list, post, url: str) -> list[int]:
    """The statements `url` sends with 3 of `members` sharing `post` and with 30 (each an API share read back twice, a
    share through a share link and a counted click)."""
    accounts = [rec.account(m, ("x", "bluesky", "linkedin")[n % 3], 100 + n) for n, m in enumerate(members)]
    counts = []
    for size in (3, 30):
        for n in range(len(rec.made) // 2, size):
            at = utcnow() - timedelta(days=2, minutes=n)
            rec.api_share(members[n], post, accounts[n], at, readings=2, now=utcnow())
            rec.intent_share(members[n], post, at, "whatsapp")
            rec.act.click(members[n], post, at + timedelta(hours=1), network="x")
        with counted_statements() as seen:
            html = body(client.get(url))
        assert stat(html, "shares") == 2 * size
        counts.append(len(seen))
    return counts


@pytest.mark.parametrize("page", ["post", "campaign"])
def test_statements_do_not_grow_with_the_shares(client, login, db, make, act, page):
    org = make.org()
    curator = make.member(org, role="curator")
    campaign = make.campaign(org)
    post = make.post(campaign, created_at=utcnow() - timedelta(days=3))
    campaign.created_at = post.created_at
    members = [make.member(org, name=f"Member {n:02}") for n in range(30)]
    url = f"/posts/{post.id}/analytics" if page == "post" else f"/campaigns/{campaign.id}/analytics"
    login(curator.user)
    counts = statements_as_shares_grow(client, Recorder(db, act), members, post, url)
    assert counts[0] == counts[1], counts
    assert content_stats.TOP_AMBASSADORS < 30
