"""Boards read from the standings (services/analytics/standings.py): an index range of the top rows on
(scope, points) with their names, teams and previous totals (board_listing.py), and every rank and previous
rank summed in memory from the scope's points histograms (standing_counts.Histogram: members per points total,
a few hundred rows, both windows in one statement), whatever the number of members.

Members without a standing in the scope have 0 points; they rank after every positive total and before
every negative one, listed by name (rules: services/analytics/boards.py).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa

from ...extensions import db
from ...models import Membership, MemberStatus, Standing, StandingCount, Team
from ...models.organization import membership_team
from . import board_listing, board_viewer, stamps, standing_counts
from .boards import Board, BoardRow, Scope, competition_ranks, display_name
from .standing_counts import Histogram


def _in_scope(org_id: int, key: str, scope: Scope) -> list:
    conditions = [Standing.org_id == org_id, Standing.window == key, Standing.campaign_id == scope.campaign_key,
                  Standing.network == scope.network_key, Standing.team_id == scope.team_key]
    if scope.kind:
        conditions.append(Standing.kind == scope.kind)
    return conditions


def _ranked_members(org_id: int, scope: Scope) -> list:
    conditions = [Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE]
    if scope.kind:
        conditions.append(Membership.kind == scope.kind)
    if scope.team_id is not None:
        conditions.append(Membership.id.in_(
            sa.select(membership_team.c.membership_id).join(Team, Team.id == membership_team.c.team_id)
            .where(Team.id == scope.team_id, Team.org_id == org_id)))
    return conditions


def _rows(raws: list[board_listing.Listed], ranks: list[int]) -> list[BoardRow]:
    return [BoardRow(membership_id=r.membership_id, rank=rank, position=i + 1, name=display_name(r.name, r.email),
                     kind=r.member_kind, teams=sorted(r.teams, key=str.lower), points=int(r.points),
                     shares=int(r.shares), clicks=int(r.clicks))
            for i, (r, rank) in enumerate(zip(raws, ranks, strict=True))]


# Figures about the members alone — how many a board ranks ("rank 12 of 100,000": counting 100,000 index entries
# takes 10-35 ms), the first members of a scope by name (listed at 0 points: finding them walks people's names) —
# are kept by each process while the organization's *members* stamp stays the same (services/analytics/stamps.py:
# every change to who a board ranks, their names or their teams' names, in any process, moves it on at commit;
# events do not). A transaction that changed members and has not committed computes afresh (it may roll back).
T = TypeVar("T")
KEPT_MEMBER_FIGURES = 1024  # the least recently read go first
_counts: OrderedDict[tuple, tuple[int, Any]] = OrderedDict()
_counts_lock = threading.Lock()


def forget_counts() -> None:
    with _counts_lock:
        _counts.clear()


def kept(key: tuple, compute: Callable[[], T], *, org_id: int) -> T:
    """A figure about the organization's members (how many, who has which role, who comes first by name) kept by
    this process while the organization's members stamp stays the one this transaction read."""
    stamp = stamps.members_seen(org_id)
    if not stamp or stamps.members_pending():
        return compute()
    with _counts_lock:
        found = _counts.get(key)
        if found is not None and found[0] == stamp:
            _counts.move_to_end(key)
            return found[1]
    value = compute()
    if not stamps.members_pending():  # (computing flushed what was pending: its marks are set now)
        with _counts_lock:
            _counts[key] = (stamp, value)
            _counts.move_to_end(key)
            while len(_counts) > KEPT_MEMBER_FIGURES:
                _counts.popitem(last=False)
    return value


def ranked_count(org_id: int, scope: Scope) -> int:
    """How many members the board ranks."""
    return kept(("ranked", org_id, scope.team_id, scope.kind), lambda: int(db.session.scalar(
        sa.select(sa.func.count()).select_from(Membership).where(*_ranked_members(org_id, scope))) or 0),
        org_id=org_id)


NAMED = 64  # members read by name at least (listed at 0 points)


def first_named(org_id: int, scope: Scope, count: int) -> list[board_listing.Named]:
    """At least the first `count` members the scope ranks by name (all of them when fewer), kept under the
    members stamp (read in steps of powers of two, so a board a few rows longer reuses the same list)."""
    step = max(NAMED, 1 << max(count - 1, 0).bit_length())
    return kept(("named", org_id, scope.team_id, scope.kind, step),
                lambda: board_listing.named(org_id, scope, step), org_id=org_id)


def _previous_rank(totals: tuple | None, histogram: Histogram) -> int | None:
    """The rank in the period before, for totals there that are not all 0 (else None: new)."""
    return histogram.rank(totals[0]) if totals is not None and any(totals) else None


def board(*, org_id: int, key: str, before: str | None, scope: Scope, limit: int, me_id: int | None,
          viewer: board_viewer.Viewer | None = None) -> tuple[Board, dict[str, Histogram]]:
    """The board of window `key` (with `before`: each listed row's rank in that window too) and the scope's
    histograms it read: three statements when the top rows all have points and the viewer is outside them —
    the top rows with their names, teams and previous totals (board_listing.py), the viewer's row (unless
    `viewer` already holds it: board_viewer.py) and the histograms of both windows (the ranks) — or none more
    when `viewer` was read ahead for these windows (a kept board's stamp check: board_viewer.Ahead) and so holds
    the top rows and the histograms already. Members at 0 points, when the top rows are fewer than `limit`, are
    one statement more."""
    total = ranked_count(org_id, scope)
    windows = (key,) + ((before,) if before else ())
    ahead = viewer if viewer is not None and viewer.windows == windows and viewer.counts is not None else None
    if limit <= 0:
        listed = []
    elif ahead is not None and ahead.listing is not None and ahead.limit == limit:
        listed = list(ahead.listing)  # read with the viewer's row (board_viewer.Ahead)
    else:
        listed = board_listing.above(org_id, key, before, scope, limit)
    positive = len(listed)
    outside = me_id is not None and all(r.membership_id != me_id for r in listed)
    if ahead is not None and ahead.counts is not None:
        histograms = standing_counts.from_counts(windows, ahead.counts, total)
    else:
        wanted = {key} if outside or positive < limit else set()
        histograms = standing_counts.histograms(org_id, wanted | ({before} if before else set()), scope, total)
    ranks = competition_ranks([r.points for r in listed])
    if len(listed) < limit:
        current = histograms[key]
        # Of the members first by name, at most `positive` + those below 0 have points that are not 0.
        nonzero = positive + current.members(lambda points: points < 0)
        named = limit - len(listed) + nonzero
        zero = board_listing.at_zero(org_id, key, before, scope, limit - len(listed),
                                     first=first_named(org_id, scope, named)[:named])
        ranks += [positive + 1] * len(zero)
        listed += zero
        if len(listed) < limit:
            negative = board_listing.below(org_id, key, before, scope, limit - len(listed))
            n_zero = total - current.members(lambda points: points != 0)
            ranks += competition_ranks([r.points for r in negative], offset=positive + n_zero)
            listed += negative
    result = Board(rows=_rows(listed, ranks), total=total, compared=before is not None)
    if before is not None:
        for row, r in zip(result.rows, listed, strict=True):
            row.previous_rank = _previous_rank(r.before, histograms[before])
    if me_id is not None:
        result.me = next((row for row in result.rows if row.membership_id == me_id), None)
        if result.me is None:
            if viewer is None or viewer.windows != windows:
                viewer = board_viewer.read(org_id, windows, scope, me_id)
            result.me = board_viewer.row(viewer, scope, me_id, key=key, before=before,
                                         histogram=histograms.__getitem__)
    return result, histograms


def previous_ranks(*, org_id: int, key: str, scope: Scope, membership_ids: list[int],
                   total: int | None = None) -> dict[int, int]:
    """{member id: rank} in window `key` for the given members whose totals there are not all 0 (`total`: how
    many members the scope ranks, when known)."""
    found = {mid: totals for (_, mid), totals in board_listing.totals(org_id, [key], scope, membership_ids).items()}
    if not found:
        return {}
    histogram = standing_counts.histograms(org_id, [key], scope,
                                           ranked_count(org_id, scope) if total is None else total)[key]
    ranks = {mid: _previous_rank(totals, histogram) for mid, totals in found.items()}
    return {mid: rank for mid, rank in ranks.items() if rank is not None}


def with_points(*, org_id: int, key: str, scope: Scope) -> int:
    return standing_counts.members(org_id, key, scope, StandingCount.points != 0)
