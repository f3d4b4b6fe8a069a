"""The manager overview: what the organization's ambassadors did in a window.

Definitions (the page says the same):
* shares — counted shares (intent "shared" + API "published"), see services/analytics/leaderboard.py;
* clicks — counted clicks (only counted clicks are stored: bots and repeats never are);
* active ambassadors — active members with the ambassador role who shared at least once in
  the window, out of all active members with the ambassador role;
* points awarded — the sum of the ledger's entries in the window (members who left included);
* top posts — by counted clicks, then shares; top ambassadors — by points (leaderboard rules,
  members with points in the window only);
* series — shares and clicks per org-local day;
* earned media value — counted clicks, engagement and potential impressions (the followers of each
  share's account) per network, valued with the organization's coefficients (services/analytics/emv.py);
  a network with no figure read back is unknown and adds nothing (services/analytics/engagement.py).

Read from the rollups (services/analytics/rollups.py): totals, series, top posts and clicks per network from
the post-day totals (a few hundred rows per window), the sharing ambassadors and the top five from the standings.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from ...extensions import db
from ...models import NO_ID, NO_NETWORK, Membership, MemberStatus, Post, Role, RollupCell, RollupPostDay, Standing
from . import board_standings, engagement, exports, leaderboard, org_rollups, standing_counts, trends
from . import emv as emv_service
from .boards import Board
from .exports import query_rows
from .periods import Window
from .trends import DayStat

TOP_POSTS = 5
TOP_AMBASSADORS = 5


@dataclass(frozen=True)
class PostStat:
    post_id: int
    title: str
    clicks: int
    shares: int


@dataclass
class Overview:
    window: Window
    shares: int = 0
    clicks: int = 0
    points: int = 0
    sharing_ambassadors: int = 0
    ambassadors: int = 0
    top_posts: list[PostStat] = field(default_factory=list)
    top_ambassadors: Board = field(default_factory=Board)
    series: list[DayStat] = field(default_factory=list)
    emv: emv_service.EmvResult | None = None

    @property
    def active_percent(self) -> int:
        """Whole percent of ambassadors who shared (0 when there are none)."""
        return round(100 * self.sharing_ambassadors / self.ambassadors) if self.ambassadors else 0

    @property
    def series_max(self) -> int:
        return max([max(d.shares, d.clicks) for d in self.series] or [0])


def _in_window(window: Window) -> list:
    return [RollupPostDay.day >= window.first_day, RollupPostDay.day <= window.last_day] if window.bounded else []


def _sharing_ambassadors(org_id: int, window: Window, ambassador: list) -> int:
    """Active ambassadors with a counted share in the window: from the standings when the worker keeps the
    window, else from the member cells."""
    key = leaderboard.standing_key(org_id=org_id, window=window)
    if key is not None:
        # Standings exist for active members only: the sharers are summed from the standing counts, less the
        # few sharers who are not ambassadors (managers, curators, admins), looked up by their ids.
        others = board_standings.kept(("not ambassadors", org_id), lambda: list(db.session.scalars(
            sa.select(Membership.id).where(Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE,
                                           Membership.role != Role.AMBASSADOR))), org_id=org_id)
        sharing_others = db.session.scalar(sa.select(sa.func.count()).select_from(Standing).where(
            Standing.org_id == org_id, Standing.window == key, Standing.campaign_id == NO_ID,
            Standing.network == NO_NETWORK, Standing.team_id == 0, Standing.membership_id.in_(others),
            Standing.shares > 0)) or 0 if others else 0
        return standing_counts.sharers(org_id, key) - int(sharing_others)
    else:
        cells = [RollupCell.org_id == org_id, RollupCell.shares > 0]
        if window.bounded:
            cells += [RollupCell.day >= window.first_day, RollupCell.day <= window.last_day]
        sharers = sa.select(RollupCell.membership_id).where(*cells)
    return db.session.scalar(sa.select(sa.func.count()).select_from(Membership)
                             .where(*ambassador, Membership.id.in_(sharers))) or 0


@org_rollups.kept
def _totals(*, org_id: int, window: Window) -> Totals:
    """Shares, clicks, points and the two ambassador counts."""
    sums = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(RollupPostDay.shares), 0).label("shares"),
                  sa.func.coalesce(sa.func.sum(RollupPostDay.clicks), 0).label("clicks"),
                  sa.func.coalesce(sa.func.sum(RollupPostDay.points), 0).label("points"))
        .where(RollupPostDay.org_id == org_id, *_in_window(window))).one()
    ambassador = [Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE,
                  Membership.role == Role.AMBASSADOR]
    # Kept by this process while the rollup stamp stays, as the boards' member counts (board_standings.py).
    ambassadors = board_standings.kept(("ambassadors", org_id), lambda: int(db.session.scalar(
        sa.select(sa.func.count()).select_from(Membership).where(*ambassador)) or 0), org_id=org_id)
    return Totals(shares=int(sums.shares), clicks=int(sums.clicks), points=int(sums.points),
                  ambassadors=int(ambassadors), sharing=int(_sharing_ambassadors(org_id, window, ambassador)))


@dataclass(frozen=True)
class Totals:
    shares: int
    clicks: int
    points: int
    ambassadors: int
    sharing: int


def _top_posts_query(org_id: int, window: Window) -> sa.Select:
    per_post = (sa.select(RollupPostDay.post_id.label("pid"), sa.func.sum(RollupPostDay.clicks).label("clicks"),
                          sa.func.sum(RollupPostDay.shares).label("shares"))
                .where(RollupPostDay.org_id == org_id, RollupPostDay.post_id != NO_ID, *_in_window(window))
                .group_by(RollupPostDay.post_id).subquery())
    return (sa.select(Post.id, Post.title, per_post.c.clicks, per_post.c.shares)
            .join(per_post, per_post.c.pid == Post.id)
            .where(Post.org_id == org_id, sa.or_(per_post.c.clicks > 0, per_post.c.shares > 0))
            .order_by(per_post.c.clicks.desc(), per_post.c.shares.desc(), Post.id.desc()))


def _post_stat(row) -> PostStat:
    return PostStat(post_id=row.id, title=row.title, clicks=int(row.clicks), shares=int(row.shares))


@org_rollups.kept
def top_posts(*, org_id: int, window: Window, limit: int = TOP_POSTS) -> list[PostStat]:
    return [_post_stat(r) for r in db.session.execute(_top_posts_query(org_id, window).limit(limit))]


def series(*, org_id: int, window: Window) -> list[DayStat]:
    return trends.daily(scope=trends.Scope(org_id=org_id), window=window)


@org_rollups.kept
def clicks_by_network(*, org_id: int, window: Window) -> dict[str, int]:
    """Counted clicks in `window` per network of the tracked link they came through."""
    rows = db.session.execute(sa.select(RollupPostDay.network, sa.func.sum(RollupPostDay.clicks))
                              .where(RollupPostDay.org_id == org_id, RollupPostDay.network != NO_NETWORK,
                                     *_in_window(window)).group_by(RollupPostDay.network))
    return {network: int(n) for network, n in rows if n}


def earned_media_value(*, org_id: int, window: Window, impressions: Mapping[str, int | None] | None = None,
                       engagements: Mapping[str, int | None] | None = None) -> emv_service.EmvResult:
    """EMV of the window: counted clicks per network, with potential impressions and engagements when given
    (per network; a network missing from them is unknown)."""
    return emv_service.of_counts(org_id=org_id, clicks=clicks_by_network(org_id=org_id, window=window),
                                 impressions=impressions or {}, engagements=engagements or {})


def overview(*, org_id: int, window: Window) -> Overview:
    totals = _totals(org_id=org_id, window=window)
    top = leaderboard.board(org_id=org_id, window=window, limit=TOP_AMBASSADORS)
    top.rows = [row for row in top.rows if row.points > 0]
    return Overview(
        window=window, shares=int(totals.shares), clicks=int(totals.clicks), points=int(totals.points),
        sharing_ambassadors=int(totals.sharing), ambassadors=int(totals.ambassadors),
        top_posts=top_posts(org_id=org_id, window=window),
        top_ambassadors=top,
        series=series(org_id=org_id, window=window),
        emv=_emv_with_reach(org_id=org_id, window=window),
    )


def _emv_with_reach(*, org_id: int, window: Window) -> emv_service.EmvResult:
    """EMV with the engagement and potential impressions read back from the networks (unknown where none)."""
    reach = engagement.per_network(org_id=org_id, window=window)
    return earned_media_value(org_id=org_id, window=window, impressions=reach.impressions,
                              engagements=reach.engagements)


# Exports (services/analytics/exports.py) of the overview's tables: every row, not only the top shown.
EXPORT_TABLES = ("top-posts", "per-day", "top-ambassadors")


def export_table(*, org_id: int, org_slug: str, window: Window, name: str) -> exports.Table:
    """One of EXPORT_TABLES for `window`, its rows read lazily."""
    stem = f"{name}-{org_slug}-{window.key}"
    if name == "top-posts":
        posts = query_rows(_top_posts_query(org_id, window), convert=_post_stat)
        return exports.Table(name=stem, header=("post", "clicks", "shares"),
                             rows=((p.title, p.clicks, p.shares) for p in posts))
    if name == "per-day":
        days = series(org_id=org_id, window=window)  # one row per day of the window: small
        return exports.Table(name=stem, header=("day", "shares", "clicks"),
                             rows=((d.day, d.shares, d.clicks) for d in days))
    if name == "top-ambassadors":
        return leaderboard.board_table(name=stem, rows=leaderboard.board_rows(org_id=org_id, window=window,
                                                                              min_points=1))
    raise ValueError(f"unknown overview table {name!r}")
