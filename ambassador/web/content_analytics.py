"""Analytics for curators: a page per post and per campaign (routes on content.bp, linked from the content pages)."""
from __future__ import annotations

from flask import g, render_template, request

from ..models import Campaign, Post
from ..services.analytics import content_stats
from . import charts
from .content import bp, curator_required
from .context import scoped_or_404


def _render(subject: Post | Campaign, stats: content_stats.ContentStats):
    specs = {"series": charts.daily(stats.series), "networks": charts.breakdown(stats.networks),
             "posts": charts.breakdown(stats.posts)}
    return render_template("content/analytics.html", subject=subject, is_post=isinstance(subject, Post),
                           stats=stats, specs=specs, periods=content_stats.CONTENT_PERIODS)


@bp.route("/posts/<int:post_id>/analytics")
@curator_required
def post_analytics(post_id: int):
    post = scoped_or_404(Post, post_id)
    window = content_stats.content_window(g.org, key=request.args.get("period"), since=post.created_at)
    return _render(post, content_stats.post_stats(post=post, window=window, network_labels=charts.network_labels()))


@bp.route("/campaigns/<int:campaign_id>/analytics")
@curator_required
def campaign_analytics(campaign_id: int):
    campaign = scoped_or_404(Campaign, campaign_id)
    window = content_stats.content_window(g.org, key=request.args.get("period"), since=campaign.created_at)
    return _render(campaign, content_stats.campaign_stats(campaign=campaign, window=window,
                                                          network_labels=charts.network_labels()))
