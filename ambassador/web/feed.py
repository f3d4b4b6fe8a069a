"""The ambassador feed, sharing through share-intent links or linked accounts, auto-share, "My activity"."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from .. import networks
from ..forms.content import from_utc
from ..forms.feed import AccountShareForm, AutoShareForm, FeedFilterForm, ShareForm
from ..models import Role
from ..services.analytics import activity as activity_service
from ..services.analytics import periods, trends
from ..services.org import onboarding
from ..services.publishing import auto_share, languages, linked_shares, share_state, sharing, social_accounts
from ..services.publishing import feed as feed_service
from . import charts
from .context import member_required
from .scheduled import accounts_url, member_time
from .service_call import service_call

bp = Blueprint("feed", __name__)
MY_TREND_DAYS = 30  # "My activity" draws the member's last 30 days


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
        return sharing.share_options(post=post, disclosure=g.membership.disclosure, membership=g.membership)

    def post_text(post):
        return languages.text_for_member(post, g.membership)

    def local_input(value) -> str:
        return from_utc(value, current_user.timezone).strftime("%Y-%m-%dT%H:%M") if value else ""

    # The disclosure this member's shares carry (employees' or customers' and partners').
    return {"post_image": post_image, "link_host": link_host, "share_options": share_options,
            "post_text": post_text,
            "disclosure": g.membership.disclosure if g.get("membership") else "",
            "local_input": local_input, "post_deadline": feed_service.post_deadline,
            "accounts_url": accounts_url()}


def _account_context() -> dict:
    """What the feed needs to offer sharing through linked accounts and auto-share."""
    accounts = social_accounts.accounts_for(g.membership, usable_only=True)
    offered = auto_share.offered_campaigns(membership=g.membership) if accounts else []
    return {"accounts": accounts, "auto_campaigns": offered,
            "opted": auto_share.opt_ins_by_campaign(membership=g.membership, campaign_ids=[c.id for c in offered])}


def _live_post_or_404(post_id: int):
    post = feed_service.live_post(membership=g.membership, post_id=post_id)
    if post is None:
        abort(404)
    return post


def _feed_order(form: FeedFilterForm) -> str:
    """The order asked for in the query string (then remembered for the session), else the remembered one."""
    if "order" in request.args and not form.order.errors:
        session["feed_order"] = form.order.data
    order = session.get("feed_order", "newest")
    order = order if order in feed_service.FEED_ORDERS else "newest"
    form.order.data = order
    return order


@bp.route("/feed")
@member_required
def index():
    campaigns = feed_service.feed_campaigns(membership=g.membership)
    form = FeedFilterForm(request.args, campaigns=campaigns)
    form.validate()
    campaign_id = form.campaign.data if not form.campaign.errors and form.campaign.data else None
    order = _feed_order(form)
    page = feed_service.feed_page(membership=g.membership, page=request.args.get("page", 1, type=int),
                                  per_page=current_app.config["POSTS_PER_PAGE"], campaign_id=campaign_id,
                                  order=order)
    posts = list(page.items)
    receipt = None
    if request.args.get("shared", type=int):
        receipt = share_state.receipt(membership=g.membership, share_id=request.args.get("shared", type=int))
        # The card of the post just shared comes first when this page does not hold it (e.g. "not shared yet first").
        if receipt is not None and receipt.share.post not in posts and _live(receipt.share.post_id):
            posts.insert(0, receipt.share.post)
    states = share_state.share_states(membership=g.membership, post_ids=[p.id for p in posts])
    return render_template("feed/index.html", page=page, posts=posts, states=states, receipt=receipt, form=form,
                           campaigns=campaigns, campaign_id=campaign_id, order=order, **_account_context(),
                           **_getting_started())


def _getting_started() -> dict:
    """Admins get the organization's checklist; everyone else their own "Get set up" panel (one at a time).
    Once hidden, nothing is queried."""
    if g.membership.has_role(Role.ADMIN):
        hidden = g.org.setup_dismissed_at is not None
        return {"checklist": None if hidden else onboarding.admin_checklist(org=g.org, config=current_app.config),
                "member_setup": None}
    hidden = g.membership.setup_dismissed_at is not None
    return {"checklist": None,
            "member_setup": None if hidden else onboarding.member_setup(membership=g.membership, user=current_user)}


@bp.route("/feed/setup/dismiss", methods=["POST"])
@member_required
def dismiss_setup():
    with service_call():
        onboarding.dismiss_member_setup(membership=g.membership)
    flash(_("The set-up list is hidden. Your accounts and profile stay in the Me menu."), "info")
    return redirect(url_for("feed.index"))


def _live(post_id: int) -> bool:
    return feed_service.live_post(membership=g.membership, post_id=post_id) is not None


@bp.route("/feed/posts/<int:post_id>/shares")
@member_required
def share_status(post_id: int):
    """The card's share status alone: the feed's script fetches it after a share opened the network's page."""
    post = _live_post_or_404(post_id)
    states = share_state.share_states(membership=g.membership, post_ids=[post.id])
    return render_template("feed/share_status.html", post=post, state=states[post.id])


@bp.route("/feed/posts/<int:post_id>/share-through-accounts", methods=["POST"])
@member_required
def share_through_accounts(post_id: int):
    post = _live_post_or_404(post_id)
    form = AccountShareForm()
    problems = {}
    valid = form.validate_on_submit()
    if valid and form.mode is None:
        problems = {"mode": [_("Choose Share now, Schedule or Add to my queue.")]}
    elif valid:
        with service_call(show=False) as call:  # the page shows each problem at its own place
            shares = linked_shares.share_through_accounts(
                membership=g.membership, post=post, account_ids=form.accounts.data or [], captions=form.captions(),
                mode=form.mode, at=form.at(current_user.timezone))
        if call.ok:
            flash(_shared_message(form.mode, shares), "success")
            return redirect(url_for("scheduled.index"), code=303)
        problems = call.error.field_errors
    return render_template("feed/share_accounts.html", post=post, form=form, errors=form.error_map(problems),
                           **_account_context()), 422


def _shared_message(mode: str, shares) -> str:
    if mode == "now":
        return ngettext("Your share is going out now.", "Your %(num)d shares are going out now.", len(shares))
    return ngettext("Planned for %(when)s.", "%(num)d shares planned for %(when)s.", len(shares),
                    when=member_time(shares[0].scheduled_at))


@bp.route("/feed/campaigns/<int:campaign_id>/auto-share", methods=["POST"])
@member_required
def auto_share_campaign(campaign_id: int):
    campaign = next((c for c in auto_share.offered_campaigns(membership=g.membership) if c.id == campaign_id), None)
    form = AutoShareForm()
    if campaign is None:
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    with service_call() as call:
        chosen = auto_share.set_accounts(membership=g.membership, campaign=campaign,
                                         account_ids=form.accounts.data or [])
    if call.ok:
        flash(_("Auto-share of “%(title)s” is on for %(accounts)s.", title=campaign.title,
                accounts=", ".join(a.label for a in chosen)) if chosen else
              _("Auto-share of “%(title)s” is off.", title=campaign.title), "success")
    return redirect(url_for("feed.index", _anchor=f"autoshare-{campaign.id}"), code=303)


@bp.route("/feed/posts/<int:post_id>/share/<network>", methods=["POST"])
@member_required
def share(post_id: int, network: str):
    if network not in networks.NETWORKS:
        abort(404)
    post = _live_post_or_404(post_id)
    form = ShareForm()
    if form.validate_on_submit():
        with service_call(form, field="caption") as call:
            result = sharing.share_post(membership=g.membership, post=post, network=network,
                                        caption=form.caption.data)
        if call.ok:
            if result.intent_url and request.form.get("then") == "card":  # without script: the card confirms first
                return redirect(url_for("feed.index", shared=result.share.id, _anchor=f"post-{post.id}"), code=303)
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
    states = share_state.share_states(membership=g.membership, post_ids=[share.post_id])
    return render_template("feed/shared.html", share=share, network=networks.get(share.network),
                           url=sharing.short_url(share.tracked_link.code), state=states[share.post_id])


@bp.route("/me/activity")
@member_required
def activity():
    shares = activity_service.shares_page(membership=g.membership, page=request.args.get("page", 1, type=int),
                                          per_page=current_app.config["POSTS_PER_PAGE"] * 2)
    clicks = activity_service.clicks_by_link(membership=g.membership,
                                             link_ids=list({s.tracked_link_id for s in shares.items}))
    days = trends.daily(scope=trends.Scope(org_id=g.org.id, membership_id=g.membership.id),
                        window=periods.last_days(g.org, MY_TREND_DAYS), with_points=True)
    return render_template("feed/activity.html", shares=shares, clicks=clicks,
                           summary=activity_service.summary(g.membership),
                           history=activity_service.points_history(g.membership),
                           days=days, trend_spec=charts.daily(days, points=True))
