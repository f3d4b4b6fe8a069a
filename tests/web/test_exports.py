"""Export downloads: headers, content, formats, organization scoping, managers only, streamed lazily."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from ambassador.models import utcnow
from ambassador.services.analytics import leaderboard
from ambassador.web import exports as web_exports

from ..services.analytics.xlsx_reader import read_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
URLS = ["/leaderboard.csv?period=all", "/leaderboard.xlsx?period=all", "/overview/top-posts.csv?period=7",
        "/overview/top-posts.xlsx?period=7", "/overview/per-day.csv?period=7", "/overview/per-day.xlsx?period=7",
        "/overview/top-ambassadors.csv?period=7", "/overview/top-ambassadors.xlsx?period=7"]


@pytest.fixture
def shop(make, act):
    org = make.org(slug="shop")
    manager = make.member(org, role="manager")
    ann = make.member(org, name="=cmd|' /C calc'!A0")
    post = make.post(make.campaign(org), title="+Spring sale")
    act.shared_and_clicked(ann, post, 7, utcnow() - timedelta(minutes=5))
    return {"org": org, "manager": manager, "ann": ann}


def csv_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.mark.parametrize("url", URLS)
def test_headers(client, login, shop, url):
    login(shop["manager"].user)
    response = client.get(url)
    assert response.status_code == 200
    fmt = url.split("?")[0].rsplit(".", 1)[1]
    assert response.mimetype == ("text/csv" if fmt == "csv" else XLSX)
    stem = url.split("?")[0].strip("/").replace("overview/", "").rsplit(".", 1)[0]
    period = url.rsplit("=", 1)[1]
    assert response.headers["Content-Disposition"] == f'attachment; filename="{stem}-shop-{period}.{fmt}"'
    assert response.headers["Cache-Control"] == "no-store"


def test_leaderboard_in_both_formats_is_the_same_and_neutralised(client, login, shop):
    login(shop["manager"].user)
    rows = csv_of(client.get("/leaderboard.csv?period=all"))
    assert rows[0] == list(leaderboard.CSV_HEADER)
    assert ["1", "'=cmd|' /C calc'!A0", "", "internal", "7", "1", "1"] in rows
    sheet = read_xlsx(client.get("/leaderboard.xlsx?period=all").get_data())
    assert [text for _kind, text in sheet[0]] == list(leaderboard.CSV_HEADER)
    ann = next(row for row in sheet if row[1][1].startswith(("=", "'=")))
    assert ann[1][0] == "inlineStr" and all(kind != "f" for row in sheet for kind, _text in row)
    assert len(sheet) == len(rows)


def test_overview_tables(client, login, shop):
    login(shop["manager"].user)
    assert csv_of(client.get("/overview/top-posts.csv?period=7"))[1] == ["'+Spring sale", "1", "1"]
    sheet = read_xlsx(client.get("/overview/top-posts.xlsx?period=7").get_data())
    assert sheet[1] == [("inlineStr", "+Spring sale"), ("n", "1"), ("n", "1")]
    assert len(csv_of(client.get("/overview/per-day.csv?period=7"))) == 1 + 7
    people = csv_of(client.get("/overview/top-ambassadors.csv?period=7"))
    assert len(people) == 2  # the manager has no points in the window: not a top ambassador
    overview_page = client.get("/overview?period=7").get_data(as_text=True)
    for url in ("/overview/top-posts.xlsx?period=7", "/overview/per-day.csv?period=7", "/leaderboard.xlsx?period=7"):
        assert f'href="{url}"' in overview_page


def test_custom_window_and_unknown_table(client, login, shop):
    login(shop["manager"].user)
    today = utcnow().date()
    response = client.get(f"/overview/per-day.csv?period=custom&from={today - timedelta(days=2)}&to={today}")
    assert len(csv_of(response)) == 1 + 3
    assert client.get("/overview/everything.csv").status_code == 404
    assert client.get("/leaderboard.pdf").status_code == 404


@pytest.mark.parametrize("role", ["ambassador", "curator"])
def test_managers_only(client, login, make, shop, role):
    login(make.member(shop["org"], role=role).user)
    for url in URLS:
        assert client.get(url).status_code == 403, url


def test_another_organizations_rows_never_show(client, login, make, shop):
    other = make.member(make.org(), role="manager")
    login(other.user)
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 200
        assert b"calc" not in response.get_data() and b"Spring" not in response.get_data(), url
    team = make.team(shop["org"])
    assert client.get(f"/leaderboard.xlsx?period=all&team={team.id}").status_code == 404


def test_the_download_reads_rows_while_it_is_sent(client, login, make, act, shop, monkeypatch):
    """The view hands the response a generator: rows are read from the board one by one as chunks go out."""
    for n in range(30):
        act.points(make.member(shop["org"], name=f"Filler {n:02}"), n + 1, utcnow() - timedelta(minutes=1))
    pulled: list[str] = []
    real_rows = leaderboard.board_rows

    def counted(**kwargs):
        for row in real_rows(**kwargs):
            pulled.append(row.name)
            yield row

    monkeypatch.setattr(leaderboard, "board_rows", counted)
    # Read the body here, outside the request: this test's app context keeps the database session.
    monkeypatch.setattr(web_exports, "stream_with_context", lambda chunks: chunks)
    login(shop["manager"].user)
    response = client.get("/leaderboard.csv?period=all", buffered=False)
    assert response.is_streamed
    body = iter(response.response)
    assert next(body).decode().startswith("\ufeffrank,name") and pulled == []
    next(body)
    next(body)
    assert len(pulled) == 2
    rest = list(body)
    assert len(rest) == 32 - 2 and len(pulled) == 32
