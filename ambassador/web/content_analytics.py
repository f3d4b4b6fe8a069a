"""Analytics for curators: a page per post and per campaign (routes on content.bp, linked from the content pages),
and their tables as CSV or XLSX."""
from __future__ import annotations

from flask import g, render_template, request, url_for

from ..models import Campaign, Post
from ..services.analytics import content_exports, content_stats
from . import charts
from .content import bp, curator_required
from .context import scoped_or_404
from .exports import send_table

POST_TABLES = "<any('per-day', networks, ambassadors, engagement):table>"
CAMPAIGN_TABLES = "<any('per-day', networks, ambassadors, engagement, posts):table>"


def _window(subject: Post | Campaign):
    return content_stats.content_window(g.org, key=request.args.get("period"), since=subject.created_at)


def _render(subject: Post | Campaign, stats: content_stats.ContentStats):
    specs = {"series": charts.daily(stats.series, engagement=stats.engagement),
             "networks": charts.breakdown(stats.networks), "posts": charts.breakdown(stats.posts)}
    is_post = isinstance(subject, Post)
    endpoint, ids = (("content.post_analytics_export", {"post_id": subject.id}) if is_post
                     else ("content.campaign_analytics_export", {"campaign_id": subject.id}))

    def export_url(table: str, fmt: str) -> str:
        return url_for(endpoint, table=table, fmt=fmt, period=stats.window.key, **ids)

    return render_template("content/analytics.html", subject=subject, is_post=is_post, stats=stats, specs=specs,
                           periods=content_stats.CONTENT_PERIODS, export_url=export_url)


def _export(subject: Post | Campaign, table: str, fmt: str):
    return send_table(content_exports.export_table(subject=subject, org_slug=g.org.slug, window=_window(subject),
                                                   name=table, network_labels=charts.network_labels()), fmt)


@bp.route("/posts/<int:post_id>/analytics")
@curator_required
def post_analytics(post_id: int):
    post = scoped_or_404(Post, post_id)
    return _render(post, content_stats.post_stats(post=post, window=_window(post),
                                                  network_labels=charts.network_labels()))


@bp.route("/campaigns/<int:campaign_id>/analytics")
@curator_required
def campaign_analytics(campaign_id: int):
    campaign = scoped_or_404(Campaign, campaign_id)
    return _render(campaign, content_stats.campaign_stats(campaign=campaign, window=_window(campaign),
                                                          network_labels=charts.network_labels()))


@bp.route(f"/posts/<int:post_id>/analytics/{POST_TABLES}.<any(csv, xlsx):fmt>")
@curator_required
def post_analytics_export(post_id: int, table: str, fmt: str):
    return _export(scoped_or_404(Post, post_id), table, fmt)


@bp.route(f"/campaigns/<int:campaign_id>/analytics/{CAMPAIGN_TABLES}.<any(csv, xlsx):fmt>")
@curator_required
def campaign_analytics_export(campaign_id: int, table: str, fmt: str):
    return _export(scoped_or_404(Campaign, campaign_id), table, fmt)
