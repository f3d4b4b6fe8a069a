"""Boards kept in each process's memory while the organization's rollup stamp (services/analytics/stamps.py)
stays the same: a board read again is one statement instead of three or four.

Kept per (organization, days of the window and of the period before, scope, limit, movement asked or not): the
top rows with their previous ranks, how many members are ranked, the standings windows they were read from and
the scope's histograms in both windows (members per points total, a few hundred rows: standing_counts.Histogram).
Reading a kept board is one statement — the stamp and the viewer's own figures (member, teams, standings in both
windows) together (board_viewer.py) — and the viewer's rank and previous rank are summed from the kept
histograms in memory. When the stamp moved on, or nothing is kept, the board is computed afresh (reusing the
viewer's rows just read) and kept under the stamp read before computing it.

Not kept: boards summed from the cells (a custom range the worker has not built yet: it builds it within
minutes), and anything computed by a transaction that changed what boards read and has not committed yet (its
own changes are not under any stamp yet; they may still roll back).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from . import board_viewer, stamps, standing_counts
from .board_viewer import Span
from .boards import Board, BoardRow, Scope
from .standing_counts import Histogram

KEPT_BOARDS = 512  # the least recently read go first


@dataclass
class Kept:
    stamp: int
    keys: tuple[str, str | None]  # the standings windows of the board and of the period before (None: no movement)
    rows: list[BoardRow]
    total: int
    compared: bool
    histograms: dict[str, Histogram] = field(default_factory=dict)


@dataclass(frozen=True)
class Fresh:
    """A board computed afresh, the standings windows it was read from (None: summed from the cells), the stamp
    read before computing it, and the scope's histograms it read (by window)."""

    board: Board
    keys: tuple[str | None, str | None]
    stamp: int
    histograms: dict[str, Histogram] = field(default_factory=dict)


_kept: OrderedDict[tuple, Kept] = OrderedDict()
_lock = threading.Lock()


def forget() -> None:
    with _lock:
        _kept.clear()


def _get(key: tuple) -> Kept | None:
    with _lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
        return found


def _put(key: tuple, kept: Kept) -> None:
    with _lock:
        _kept[key] = kept
        _kept.move_to_end(key)
        while len(_kept) > KEPT_BOARDS:
            _kept.popitem(last=False)


def writing() -> bool:
    """This transaction changed what boards read (not committed yet): compute, do not keep (stamps.py)."""
    return stamps.pending()


def _kept_histogram(org_id: int, kept: Kept, key: str, scope: Scope) -> Histogram:
    found = kept.histograms.get(key)
    if found is None:
        found = kept.histograms[key] = standing_counts.histograms(org_id, [key], scope, kept.total)[key]
    return found


def _view(org_id: int, kept: Kept, scope: Scope, me_id: int | None, viewer: board_viewer.Viewer | None) -> Board:
    result = Board(rows=[replace(row, teams=list(row.teams)) for row in kept.rows], total=kept.total,
                   compared=kept.compared)
    if me_id is not None:
        result.me = next((row for row in result.rows if row.membership_id == me_id), None)
        if result.me is None and viewer is not None:
            result.me = board_viewer.row(viewer, scope, me_id, key=kept.keys[0], before=kept.keys[1],
                                         histogram=lambda key: _kept_histogram(org_id, kept, key, scope))
    return result


def board(*, org_id: int, spans: tuple[Span, ...], scope: Scope, limit: int, me_id: int | None, compare: bool,
          fresh: Callable[[board_viewer.Viewer | None], Fresh]) -> Board:
    """The kept board when the stamp has not moved, else `fresh(viewer)` (kept when read from the standings, the
    period before included when movement is asked for; `viewer`: the viewer's rows read for the stamp check)."""
    key = (org_id, spans, scope, limit, compare)
    kept = _get(key)
    viewer = None
    if kept is not None:
        if me_id is not None:
            # Also reads what the board is computed afresh from, should the stamp have moved (one round trip).
            viewer = board_viewer.read(org_id, tuple(k for k in kept.keys if k is not None), scope, me_id,
                                       ahead=board_viewer.Ahead(stamp=kept.stamp, limit=limit))
            stamp = viewer.stamp
        else:
            stamp = stamps.seen(org_id)
        if stamp == kept.stamp and not writing():  # (the statement flushed what was pending: marks are set)
            return _view(org_id, kept, scope, me_id, viewer)
    computed = fresh(viewer)
    current, before = computed.keys
    if computed.stamp and current is not None and (before is not None or not compare) and not writing():
        _put(key, Kept(stamp=computed.stamp, keys=(current, before if compare else None),
                       rows=[replace(row, teams=list(row.teams)) for row in computed.board.rows],
                       total=computed.board.total, compared=computed.board.compared,
                       histograms=dict(computed.histograms)))
    return computed.board
