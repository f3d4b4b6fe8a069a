"""Exports (services/analytics/exports.py) of a post's, a campaign's or a team's analytics tables, for one window.

The same figures as the page (services/analytics/content_stats.py, team_stats.py), every row rather than the top
shown:

* per-day — shares, counted clicks and engagement per org-local day (engagement empty when unknown);
* networks — per network: shares, counted clicks, engagement figures, potential reach and earned media value;
* ambassadors — every member with shares or counted clicks, with engagement and potential reach;
* engagement — one row per counted share: who, where, what the network reported (empty: unknown) and its state
  (`read`, `waiting`, `not_reported`, `deleted`, `share_link`, `no_account`), streamed in batches;
* posts — a campaign's posts with shares and counted clicks;
* campaigns — every campaign a team's members shared, with shares and counted clicks.

An unknown figure is an empty cell, never 0. Every query is scoped to the organization.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal

import sqlalchemy as sa

from ...models import Campaign, Membership, Post, Share, ShareEngagement, ShareMethod, SocialAccount, Team, User
from ...models.sharing import share_moment
from . import content_stats, engagement, exports, team_stats, trends
from .emv import EmvResult
from .periods import Window
from .trends import Scope

POST_TABLES = ("per-day", "networks", "ambassadors", "engagement")
CAMPAIGN_TABLES = (*POST_TABLES, "posts")
TEAM_TABLES = (*POST_TABLES, "campaigns")
FIGURE_HEADER = ("likes", "reposts", "replies", "quotes", "impressions", "engagement")
SHARE_HEADER = ("shared_at", "ambassador", "post", "network", "state", *FIGURE_HEADER, "potential_reach",
                "read_at", "deleted_at")


def _per_day(scope: Scope, window: Window) -> exports.Table:
    days = trends.daily(scope=scope, window=window)  # one row per day of the window: small
    gains = engagement.daily(scope=scope, window=window).values
    return exports.Table(name="per-day", header=("day", "shares", "clicks", "engagement"),
                         rows=((d.day, d.shares, d.clicks, gains[i]) for i, d in enumerate(days)))


def _emv_of(result: EmvResult, network: str) -> Decimal | None:
    parts = [p.value for p in result.parts_of(network) if p.value is not None]
    return sum(parts, Decimal(0)) if parts else None


def network_rows(stats: content_stats.ContentStats) -> Iterator[tuple]:
    """One row per network with shares or counted clicks (the page's two network tables side by side)."""
    reach = {row.network: row for row in stats.reach}
    for slice_ in stats.networks:
        row = reach.get(str(slice_.key)) or engagement.NetworkEngagement(network=str(slice_.key))
        value = _emv_of(stats.emv, row.network) if stats.emv else None
        yield (slice_.label, slice_.shares, slice_.clicks, row.linked, row.read, row.deleted,
               *(getattr(row, name) for name in FIGURE_HEADER), row.reach,
               None if value is None else value.quantize(Decimal("0.01")), stats.emv.currency if stats.emv else None)


def _ambassador_row(row) -> tuple:
    stat = content_stats.ambassador_stat(row)
    return (stat.name, stat.shares, stat.clicks, stat.figures.engagement, stat.figures.reach)


def _state(row) -> str:
    if row.method != ShareMethod.API:
        return "share_link"
    if row.deleted_at is not None:
        return "deleted"
    if row.fetched_at is not None:
        return "read"
    if row.provider is None:
        return "no_account"
    return "waiting" if engagement.reports(row.provider, row.scopes or "") else "not_reported"


def _share_row(row) -> tuple:
    figures = [row.likes, row.reposts, row.replies, row.quotes, row.impressions]
    known = [v for v in figures[:4] if v is not None]  # impressions are reach, not engagement
    total = sum(known) if known else None
    return (row.at, row.name, row.title, row.network, _state(row), *figures, total, row.followers_count,
            row.fetched_at, row.deleted_at)


def shares_query(scope: Scope, window: Window) -> sa.Select:
    """Every counted share of `scope` in `window` with its account and latest figures, in the order shared."""
    moment = share_moment()
    return (sa.select(moment.label("at"), User.name, Post.title, Share.network, Share.method,
                      SocialAccount.provider, SocialAccount.scopes, SocialAccount.followers_count,
                      ShareEngagement.likes, ShareEngagement.reposts, ShareEngagement.replies, ShareEngagement.quotes,
                      ShareEngagement.impressions, ShareEngagement.fetched_at, ShareEngagement.deleted_at)
            .select_from(Share)
            .join(Membership, sa.and_(Membership.id == Share.membership_id, Membership.org_id == scope.org_id))
            .join(User, User.id == Membership.user_id)
            .join(Post, sa.and_(Post.id == Share.post_id, Post.org_id == scope.org_id))
            .outerjoin(SocialAccount, sa.and_(SocialAccount.id == Share.account_id,
                                              SocialAccount.org_id == scope.org_id))
            .outerjoin(ShareEngagement, sa.and_(ShareEngagement.share_id == Share.id,
                                                ShareEngagement.org_id == scope.org_id))
            .where(*trends.share_conditions(scope, window)).order_by(moment, Share.id))


def _subject(subject: Post | Campaign | Team) -> tuple[str, tuple[str, ...], Scope]:
    """(kind, its tables, its scope)."""
    if isinstance(subject, Post):
        return "post", POST_TABLES, content_stats.post_scope(subject)
    if isinstance(subject, Campaign):
        return "campaign", CAMPAIGN_TABLES, content_stats.campaign_scope(subject)
    return "team", TEAM_TABLES, team_stats.team_scope(subject)


def export_table(*, subject: Post | Campaign | Team, org_slug: str, window: Window, name: str,
                 network_labels: Mapping[str, str]) -> exports.Table:
    """One of POST_TABLES (a post), CAMPAIGN_TABLES (a campaign) or TEAM_TABLES (a team) for `window`, its rows
    read lazily."""
    kind, tables, scope = _subject(subject)
    if name not in tables:
        raise ValueError(f"unknown analytics table {name!r}")
    stem = f"{name}-{kind}-{subject.id}-{org_slug}-{window.key}"
    if name == "per-day":
        table = _per_day(scope, window)
    elif name == "networks":
        stats = content_stats.network_stats(scope=scope, window=window, network_labels=dict(network_labels))
        table = exports.Table(name=name, header=("network", "shares", "clicks", "shares_via_account", "read",
                                                 "deleted", *FIGURE_HEADER, "potential_reach", "emv", "currency"),
                              rows=network_rows(stats))
    elif name == "ambassadors":
        rows = exports.query_rows(content_stats.ambassadors_query(scope=scope, window=window), convert=_ambassador_row)
        table = exports.Table(name=name, header=("ambassador", "shares", "clicks", "engagement", "potential_reach"),
                              rows=rows)
    elif name == "engagement":
        table = exports.Table(name=name, header=SHARE_HEADER,
                              rows=exports.query_rows(shares_query(scope, window), convert=_share_row))
    elif name == "campaigns":
        table = exports.Table(name=name, header=("campaign", "shares", "clicks"),
                              rows=((c.label, c.shares, c.clicks)
                                    for c in trends.by_campaign(scope=scope, window=window, limit=None)))
    else:
        table = exports.Table(name=name, header=("post", "shares", "clicks"),
                              rows=((p.label, p.shares, p.clicks) for p in content_stats.by_post(scope=scope,
                                                                                              window=window)))
    return exports.Table(name=stem, header=table.header, rows=table.rows)
