"""Exports: CSV and XLSX content, formula injection, safe file names, and rows read one at a time."""
from __future__ import annotations

import csv
import io
import weakref
from datetime import date, timedelta

import pytest

from ambassador.models import utcnow
from ambassador.services.analytics import exports, leaderboard, overview, periods

from .xlsx_reader import read_xlsx

ATTACKS = ["=HYPERLINK(\"http://evil.test\")", "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rReturn"]


def table(rows, name="people") -> exports.Table:
    return exports.Table(name=name, header=("name", "points", "day"), rows=rows)


def csv_rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_content_and_injection():
    rows = [(attack, 3, date(2026, 1, 2)) for attack in ATTACKS] + [("Zoë", -4, None)]
    parsed = csv_rows("".join(exports.csv_chunks(table(rows))))
    assert parsed[0] == ["name", "points", "day"]
    assert [r[0] for r in parsed[1:-1]] == ["'" + attack for attack in ATTACKS]
    assert parsed[1][1:] == ["3", "2026-01-02"]
    assert parsed[-1] == ["Zoë", "-4", ""]  # a negative number is a number, not a formula


def test_xlsx_content_and_injection():
    rows = [(attack, 3, date(2026, 1, 2)) for attack in ATTACKS] + [("Zoë", 7, None)]
    sheet = read_xlsx(b"".join(exports.xlsx_chunks(table(rows))))
    assert [text for _kind, text in sheet[0]] == ["name", "points", "day"]
    for attack, row in zip(ATTACKS, sheet[1:-1], strict=True):
        assert row[0] == ("inlineStr", attack)  # kept as typed, in a text cell: a spreadsheet never runs it
        assert row[1] == ("n", "3") and row[2] == ("inlineStr", "2026-01-02")
    assert all(kind != "f" for row in sheet for kind, _text in row)  # no cell is a formula
    assert sheet[-1] == [("inlineStr", "Zoë"), ("n", "7")]


@pytest.mark.parametrize(("name", "expected"), [
    ("leaderboard-acme-30", "leaderboard-acme-30.csv"), ('x"; filename=evil.exe', "x-filename-evil.exe.csv"),
    ("../../etc/passwd", "etc-passwd.csv"), ("Zoë's board\r\n", "Zo-s-board.csv"), ("", "export.csv"),
])
def test_file_names_are_safe(name, expected):
    assert exports.filename(table([], name=name), "csv") == expected


class Row(list):
    """A list that can be weakly referenced: the test sees when the exporter let go of it."""


def lazy_rows(count: int, alive_limit: int, seen: list):
    """Yields `count` rows; before each, checks that at most `alive_limit` earlier rows are still in memory
    (lists hold no cycles: a row nobody references is freed at once)."""
    refs: list[weakref.ref] = []
    for n in range(count):
        alive = sum(1 for ref in refs if ref() is not None)
        assert alive <= alive_limit, f"{alive} rows held in memory at row {n}"
        row = Row([f"name {n}", n, None])
        refs.append(weakref.ref(row))
        seen.append(n)
        yield row


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_exports_hold_no_rows_they_wrote(fmt):
    seen: list[int] = []
    out = exports.chunks(table(lazy_rows(300, alive_limit=2, seen=seen)), fmt)
    data = list(out)
    assert len(seen) == 300 and data


def test_csv_is_written_while_the_rows_are_read():
    seen: list[int] = []
    out = exports.csv_chunks(table(lazy_rows(1000, alive_limit=2, seen=seen)))
    next(out)  # the header
    assert seen == []
    next(out), next(out)
    assert seen == [0, 1]  # one row read per row sent, nothing ahead


def test_board_rows_stream_the_whole_board_in_order(make, act):
    org = make.org()
    members = [make.member(org, name=f"M {n:02}") for n in range(12)]
    for n, member in enumerate(members):
        act.points(member, n, utcnow() - timedelta(minutes=1))
    rows = leaderboard.board_rows(org_id=org.id, window=periods.all_time())
    assert next(rows).name == "M 11"
    rest = list(rows)
    assert [r.points for r in rest] == list(range(10, -1, -1))
    board = leaderboard.board(org_id=org.id, window=periods.all_time(), limit=None)
    assert [r.membership_id for r in leaderboard.board_rows(org_id=org.id, window=periods.all_time())] == [
        r.membership_id for r in board.rows]


def test_overview_tables(make, act):
    org = make.org(slug="acme")
    ann = make.member(org, name="=Ann")
    post = make.post(make.campaign(org), title="@Launch")
    act.shared_and_clicked(ann, post, 5, utcnow() - timedelta(minutes=5))
    window = periods.named_window(org, "7", allowed=("7",), default="7")
    posts = overview.export_table(org_id=org.id, org_slug=org.slug, window=window, name="top-posts")
    assert exports.filename(posts, "csv") == "top-posts-acme-7.csv"
    assert csv_rows("".join(exports.csv_chunks(posts))) == [["post", "clicks", "shares"], ["'@Launch", "1", "1"]]
    days = csv_rows("".join(exports.csv_chunks(
        overview.export_table(org_id=org.id, org_slug=org.slug, window=window, name="per-day"))))
    assert days[0] == ["day", "shares", "clicks"] and len(days) == 8 and days[-1][1:] == ["1", "1"]
    people = csv_rows("".join(exports.csv_chunks(
        overview.export_table(org_id=org.id, org_slug=org.slug, window=window, name="top-ambassadors"))))
    assert people == [list(leaderboard.CSV_HEADER), ["1", "'=Ann", "", "internal", "5", "1", "1"]]
