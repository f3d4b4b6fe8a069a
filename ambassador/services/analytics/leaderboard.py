"""Leaderboards: any window × team × kind × campaign × network, read from the standings when the window is
one the worker keeps (all time, 7/30/90 days, this quarter) and summed from the rollup cells otherwise
(a custom range, a day the worker has not rolled yet, a full export). Rules: services/analytics/boards.py.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date

import sqlalchemy as sa

from ...extensions import db
from ...models import Campaign, Organization, Team
from . import board_cache, board_cells, board_standings, board_viewer, periods, stamps, standing_counts, standings
from .board_cache import Span
from .boards import Board, BoardRow, Scope, clean_kind
from .exports import BATCH, Table, query_rows, safe_cell
from .periods import Window

__all__ = ["Board", "BoardRow", "Scope", "board", "board_csv", "clean_kind", "org_campaigns", "org_teams"]


def org_teams(*, org_id: int) -> list[Team]:
    return list(db.session.scalars(sa.select(Team).where(Team.org_id == org_id).order_by(Team.name)))


def org_campaigns(*, org_id: int) -> list[Campaign]:
    return list(db.session.scalars(sa.select(Campaign).where(Campaign.org_id == org_id)
                                   .order_by(Campaign.title, Campaign.id)))


def standing_key(*, org_id: int, window: Window) -> str | None:
    """The standings window holding exactly these days (None: sum the cells)."""
    return standings.key_for(db.session.connection(), org_id=org_id, first=window.first_day, last=window.last_day)


def remember_range(*, org_id: int, window: Window) -> None:
    """A custom range is being looked at: keep standings for it and for its previous period (the worker builds
    them at its next roll, within minutes; until then its boards are summed from the cells). Writes a row:
    the caller commits."""
    if window.key != "custom" or window.first_day is None or window.last_day is None:
        return
    org = db.session.get_one(Organization, org_id)
    conn = db.session.connection()
    # The period before asked first: the worker builds the last asked for first, the range itself.
    for days in (periods.previous(org, window), window):
        if days is None or days.first_day is None or days.last_day is None:
            continue
        key = standing_key(org_id=org_id, window=days)
        if key is None:
            standings.ask(conn, org_id=org_id, first=days.first_day, last=days.last_day)
        elif key.startswith("d:"):
            standings.touch(conn, org_id=org_id, key=key)


def _compare(result: Board, *, org_id: int, before: Span, key: str | None, scope: Scope) -> None:
    """Each listed row's rank in the days `before` (read from their standings window `key`, else summed from the
    cells)."""
    ids = [row.membership_id for row in result.listed]
    if key is not None:
        ranks = board_standings.previous_ranks(org_id=org_id, key=key, scope=scope, membership_ids=ids,
                                               total=result.total)
    else:
        first, last = before
        assert first is not None and last is not None
        ranks = board_cells.previous_ranks(org_id=org_id, first=first, last=last, scope=scope, membership_ids=ids)
    for row in result.listed:
        row.previous_rank = ranks.get(row.membership_id)
    result.compared = True


def _days(span: Span) -> tuple[date, date] | None:
    first, last = span
    return None if first is None or last is None else (first, last)


def _fresh(*, org_id: int, spans: tuple[Span, ...], scope: Scope, limit: int | None, me_id: int | None,
           viewer: board_viewer.Viewer | None = None) -> board_cache.Fresh:
    """The board computed from the standings when a built window holds its days (and those of the period before,
    when compared), else summed from the cells. `viewer`: the viewer's rows, when already read."""
    keys = viewer.keys_for(spans) if viewer is not None else None
    if keys is None:
        keys = standings.keys_for(db.session.connection(), org_id=org_id, spans=spans)
    stamp = stamps.seen(org_id)  # read by keys_for or the viewer's row, before anything the board is computed from
    key = keys[0] if limit is not None else None
    before = keys[1] if len(keys) > 1 else None
    histograms: dict[str, standing_counts.Histogram] = {}
    if key is not None and limit is not None:
        result, histograms = board_standings.board(org_id=org_id, key=key, before=before, scope=scope, limit=limit,
                                                   me_id=me_id, viewer=viewer)
        if len(spans) > 1 and before is None:  # (the period before not built yet: summed from the cells)
            _compare(result, org_id=org_id, before=spans[1], key=None, scope=scope)
    else:
        (first, last) = spans[0]
        days_before = _days(spans[1]) if len(spans) > 1 and before is None and limit is not None else None
        result = board_cells.board(org_id=org_id, first=first, last=last, scope=scope, limit=limit, me_id=me_id,
                                   before=days_before)  # (the period before summed in the same pass)
        if len(spans) > 1 and days_before is None:
            _compare(result, org_id=org_id, before=spans[1], key=before, scope=scope)
    return board_cache.Fresh(board=result, keys=(key, before), stamp=stamp, histograms=histograms)


def board(*, org_id: int, window: Window, team_id: int | None = None, kind: str | None = None,
          campaign_id: int | None = None, network: str | None = None, limit: int | None = 20,
          me_id: int | None = None, compare: bool = False) -> Board:
    """The top `limit` rows (all when None) plus the row of member `me_id`; with `compare`, each listed row's
    rank in the period of equal length before. A board read again while nothing it reads changed comes from
    this process's memory (services/analytics/board_cache.py)."""
    scope = Scope(team_id=team_id, kind=clean_kind(kind), campaign_id=campaign_id, network=network or None)
    before = periods.previous_days(window) if compare else None
    spans: tuple[Span, ...] = ((window.first_day, window.last_day),) + ((before,) if before else ())

    def fresh(viewer: board_viewer.Viewer | None = None) -> board_cache.Fresh:
        return _fresh(org_id=org_id, spans=spans, scope=scope, limit=limit, me_id=me_id, viewer=viewer)

    if limit is None:
        return fresh().board
    return board_cache.board(org_id=org_id, spans=spans, scope=scope, limit=limit, me_id=me_id,
                             compare=bool(before), fresh=fresh)


def my_rank(*, org_id: int, window: Window, membership_id: int, team_id: int | None = None,
            kind: str | None = None, campaign_id: int | None = None, network: str | None = None) -> BoardRow | None:
    """Only the member's own row (None when not ranked)."""
    return board(org_id=org_id, window=window, team_id=team_id, kind=kind, campaign_id=campaign_id,
                 network=network, limit=0, me_id=membership_id).me


def members_with_points(*, org_id: int, window: Window) -> int:
    """Ranked members whose points in the window do not add up to 0."""
    key = standing_key(org_id=org_id, window=window)
    if key is not None:
        return board_standings.with_points(org_id=org_id, key=key, scope=Scope())
    return board_cells.with_points(org_id=org_id, first=window.first_day, last=window.last_day, scope=Scope())


def _csv_safe(value) -> str:
    """Neutralise spreadsheet formulas in people-supplied text (CSV injection)."""
    return safe_cell(str(value))


CSV_HEADER = ("rank", "name", "teams", "kind", "points", "shares", "clicks")


def _csv_row(row: BoardRow) -> list:
    return [row.rank, _csv_safe(row.name), _csv_safe("; ".join(row.teams)), row.kind, row.points, row.shares,
            row.clicks]


def board_rows(*, org_id: int, window: Window, team_id: int | None = None, kind: str | None = None,
               campaign_id: int | None = None, network: str | None = None,
               min_points: int | None = None) -> Iterator[BoardRow]:
    """Every ranked member in board order, summed from the rollup cells and read in batches (exports of any
    size): team names are fetched once per batch."""
    scope = Scope(team_id=team_id, kind=clean_kind(kind), campaign_id=campaign_id, network=network or None)
    table = board_cells.ranked(org_id=org_id, first=window.first_day, last=window.last_day, scope=scope)
    query = sa.select(table).order_by(table.c.position)
    if min_points is not None:
        query = query.where(table.c.points >= min_points)
    batch: list = []
    for raw in query_rows(query, convert=lambda raw: raw):
        batch.append(raw)
        if len(batch) == BATCH:
            yield from board_cells.rows_of(org_id=org_id, raws=batch)
            batch = []
    yield from board_cells.rows_of(org_id=org_id, raws=batch)


def board_table(*, name: str, rows: Iterable[BoardRow]) -> Table:
    """A board as an export table (services/analytics/exports.py), the same columns as the CSV."""
    return Table(name=name, header=CSV_HEADER, rows=(_csv_row(row) for row in rows))


def board_csv(result: Board) -> str:
    """The board as CSV text (UTF-8 with a BOM so spreadsheet programs read accents right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in result.rows:
        writer.writerow(_csv_row(row))
    return "\ufeff" + out.getvalue()
