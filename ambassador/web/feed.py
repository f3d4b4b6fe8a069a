"""The ambassador feed, sharing through share-intent links, and "My activity"."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from .. import networks
from ..extensions import db
from ..forms.feed import FeedFilterForm, ShareForm
from ..services import activity as activity_service
from ..services import feed as feed_service
from ..services import sharing
from .context import member_required

bp = Blueprint("feed", __name__)


@bp.context_processor
def _card_helpers():
    def post_image(post) -> str:
        if post.image_path and "content.media" in current_app.view_functions:
            return url_for("content.media", post_id=post.id)
        return post.preview_image_url or ""

    def link_host(url: str) -> str:
        host = urlsplit(url).hostname or ""
        return host.removeprefix("www.")

    def share_options(post):
        return sharing.share_options(post=post, disclosure=g.org.disclosure or "")

    return {"post_image": post_image, "link_host": link_host, "share_options": share_options}


def _live_post_or_404(post_id: int):
    post = feed_service.live_post(membership=g.membership, post_id=post_id)
    if post is None:
        abort(404)
    return post


@bp.route("/feed")
@member_required
def index():
    campaigns = feed_service.feed_campaigns(membership=g.membership)
    form = FeedFilterForm(request.args, campaigns=campaigns)
    campaign_id = form.campaign.data if form.validate() and form.campaign.data else None
    page = feed_service.feed_page(membership=g.membership, page=request.args.get("page", 1, type=int),
                                  per_page=current_app.config["POSTS_PER_PAGE"], campaign_id=campaign_id)
    return render_template("feed/index.html", page=page, form=form, campaigns=campaigns, campaign_id=campaign_id)


@bp.route("/feed/posts/<int:post_id>/share/<network>", methods=["POST"])
@member_required
def share(post_id: int, network: str):
    if network not in networks.NETWORKS:
        abort(404)
    post = _live_post_or_404(post_id)
    form = ShareForm()
    if form.validate_on_submit():
        try:
            result = sharing.share_post(membership=g.membership, post=post, network=network,
                                        caption=form.caption.data)
        except sharing.ShareError as exc:
            db.session.rollback()
            form.caption.errors.append(str(exc))
        else:
            db.session.commit()
            if result.intent_url:
                return redirect(result.intent_url, code=303)
            return redirect(url_for("feed.shared", share_id=result.share.id), code=303)
    return render_template("feed/share.html", post=post, network=networks.get(network), form=form), 422


@bp.route("/me/shares/<int:share_id>")
@member_required
def shared(share_id: int):
    share = sharing.own_share(membership=g.membership, share_id=share_id)
    if share is None:
        abort(404)
    return render_template("feed/shared.html", share=share, network=networks.get(share.network),
                           url=sharing.short_url(share.tracked_link.code))


@bp.route("/me/activity")
@member_required
def activity():
    shares = activity_service.shares_page(membership=g.membership, page=request.args.get("page", 1, type=int),
                                          per_page=current_app.config["POSTS_PER_PAGE"] * 2)
    clicks = activity_service.clicks_by_link(membership=g.membership,
                                             link_ids=list({s.tracked_link_id for s in shares.items}))
    return render_template("feed/activity.html", shares=shares, clicks=clicks,
                           summary=activity_service.summary(g.membership),
                           history=activity_service.points_history(g.membership))
