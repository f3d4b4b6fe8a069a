"""Campaigns, posts and the review queue (curators and managers)."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import Field

from .. import networks
from ..forms.content import CampaignForm, PostForm, ReviewForm, from_utc
from ..infra import open_graph, uploads
from ..infra.uploads import PendingImage
from ..models import CAMPAIGN_STATUSES, Audience, Campaign, Post, Role
from ..services.content import approval, drafts
from ..services.content import campaigns as campaign_service
from ..services.content import posts as post_service
from ..services.content.campaigns import ContentError
from ..services.publishing import feed, languages
from .context import member_required, role_required, scoped_or_404
from .origin import request_origin
from .service_call import service_call, show_error

bp = Blueprint("content", __name__)
curator_required = role_required(Role.CURATOR)
manager_required = role_required(Role.MANAGER)


def _tz() -> str:
    return current_user.timezone or g.org.timezone


@bp.context_processor
def _helpers():
    def local(value):
        return from_utc(value, _tz()).strftime("%Y-%m-%d %H:%M") if value else ""

    return {"compose": networks.compose_text, "link_host": lambda url: urlsplit(url).hostname or "",
            "local": local, "caption_report": post_service.caption_report,
            "language_name": languages.language_name,
            "audience_disclosures": post_service.audience_disclosures, "preview_parts": drafts.preview_parts}


# Campaigns -------------------------------------------------------------------------------------

@bp.route("/campaigns")
@curator_required
def campaigns():
    status = request.args.get("status")
    status = status if status in CAMPAIGN_STATUSES else None
    rows = campaign_service.list_campaigns(org=g.org, status=status)
    return render_template("content/campaigns.html", rows=rows, status=status, statuses=CAMPAIGN_STATUSES)


@bp.route("/campaigns/new", methods=["GET", "POST"])
@curator_required
def new_campaign():
    return _campaign_form(None)


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@curator_required
def edit_campaign(campaign_id: int):
    return _campaign_form(scoped_or_404(Campaign, campaign_id))


def _campaign_form(campaign: Campaign | None):
    form = CampaignForm()
    form.set_team_choices(g.org.teams)
    if campaign is not None and request.method == "GET":
        form.fill(campaign, _tz())
    if form.validate_on_submit():
        with service_call(form, on_form=True) as call:
            data = form.to_input(_tz())
            if campaign is None:
                campaign = campaign_service.create_campaign(org=g.org, author=current_user, data=data)
            else:
                campaign_service.update_campaign(campaign=campaign, org=g.org, data=data)
        if call.ok:
            flash(_("Campaign “%(title)s” is saved.", title=campaign.title), "success")
            return redirect(url_for("content.campaign", campaign_id=campaign.id))
    return render_template("content/campaign_form.html", form=form, campaign=campaign)


@bp.route("/campaigns/<int:campaign_id>")
@curator_required
def campaign(campaign_id: int):
    item = scoped_or_404(Campaign, campaign_id)
    return render_template("content/campaign.html", campaign=item,
                           posts=post_service.campaign_posts(campaign=item))


@bp.route("/campaigns/<int:campaign_id>/delete", methods=["POST"])
@curator_required
def delete_campaign(campaign_id: int):
    item = scoped_or_404(Campaign, campaign_id)
    with service_call() as call:
        campaign_service.delete_campaign(campaign=item)
    if not call.ok:
        return redirect(url_for("content.campaign", campaign_id=campaign_id))
    flash(_("The campaign is deleted."), "success")
    return redirect(url_for("content.campaigns"))


# Posts -----------------------------------------------------------------------------------------

@bp.route("/campaigns/<int:campaign_id>/posts/new", methods=["GET", "POST"])
@curator_required
def new_post(campaign_id: int):
    return _post_form(scoped_or_404(Campaign, campaign_id), None)


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@curator_required
def edit_post(post_id: int):
    post = scoped_or_404(Post, post_id)
    return _post_form(post.campaign, post)


@dataclass
class LanguageTab:
    """One language of the editor: its fields, the previews of its captions and what it still lacks."""

    lang: str
    name: str
    title: Field
    summary: Field
    fields: dict[str, Field]  # network key → caption field
    previews: list[drafts.CaptionPreview]

    @property
    def missing_title(self) -> bool:
        return not (self.title.data or "").strip()

    @property
    def missing_captions(self) -> bool:
        return not any((f.data or "").strip() for f in self.fields.values())

    @property
    def has_errors(self) -> bool:
        return bool(self.title.errors or self.summary.errors or any(f.errors for f in self.fields.values()))


def _render_post_form(form: PostForm, campaign: Campaign, post: Post | None, held: PendingImage | None = None):
    disclosures = post_service.audience_disclosures(g.org, form.audience.data or Audience.EVERYONE).values()
    tabs = []
    for lang in g.org.post_languages:
        title, summary, fields = form.language_fields(lang, g.org.default_locale)
        captions = {key: f.data or "" for key, f in fields.items()}
        tabs.append(LanguageTab(
            lang=lang, name=languages.language_name(lang), title=title, summary=summary, fields=fields,
            previews=drafts.caption_previews(captions=captions, hashtags=form.hashtags.data or "",
                                             disclosures=disclosures)))
    if held is not None:
        image_url = url_for("content.pending_image", token=held.token)
    elif post is not None and post.image_path and not form.remove_image.data:
        image_url = url_for("content.media", post_id=post.id)
    else:
        image_url = form.preview_image_url.data or ""
    card = drafts.link_card(link_url=form.link_url.data or "", title=form.title.data or "",
                            preview_title=form.preview_title.data or "",
                            preview_description=form.preview_description.data or "", image_url=image_url)
    return render_template("content/post_form.html", form=form, campaign=campaign, post=post, held=held,
                           tabs=tabs, card=card, short_link=drafts.short_link_stand_in())


def _hold_image(form: PostForm) -> tuple[PendingImage | None, ContentError | None]:
    """Hold the submission's image (new, or held before) so a failed save does not lose it."""
    try:
        held = drafts.hold_image(org=g.org, user=current_user, upload=form.image.data,
                                 token=form.pending_image.data or "", discard=bool(form.remove_image.data))
    except ContentError as exc:
        form.pending_image.data = ""
        return None, exc
    form.pending_image.data = held.token if held else ""
    return held, None


def _post_form(campaign: Campaign, post: Post | None):
    form = PostForm()
    form.set_team_choices(g.org.teams)
    if post is not None and request.method == "GET":
        form.fill(post, _tz(), g.org.default_locale)
    held, image_error = _hold_image(form) if form.is_submitted() else (None, None)
    if form.is_submitted() and form.fetch_preview.data:
        _fill_preview(form)
    elif form.validate_on_submit() and image_error is None:
        data = form.to_input(_tz())
        data.translations = form.translations(g.org.post_languages)
        data.image = held
        post_service.fill_missing_preview(data)
        with service_call(form, on_form=True) as call:
            saved, stale = post_service.save_post(org=g.org, campaign=campaign, author=current_user,
                                                  data=data, post=post)
            back_to_review = approval.after_edit(post=saved, membership=g.membership, org=g.org)
        if call.ok:
            uploads.delete_file(stale)
            uploads.delete_file(held.path if held else None)
            flash(_("The post is saved and goes back to a manager for review.") if back_to_review
                  else _("The post is saved."), "success")
            return redirect(url_for("content.post", post_id=saved.id))
    if image_error is not None:
        show_error(image_error, form=form, on_form=True)
    return _render_post_form(form, campaign, post, held)


@bp.route("/posts/held-image/<token>")
@curator_required
def pending_image(token: str):
    """The thumbnail of an image held across a failed submission: only for the person who chose it."""
    held = uploads.pending_image(token, org_id=g.org.id, user_id=current_user.id)
    path = uploads.absolute_path(held.path) if held else None
    if held is None or path is None:
        abort(404)
    response = send_file(path, mimetype=held.mimetype, max_age=600)
    response.cache_control.private = True
    return response


def _fill_preview(form: PostForm) -> None:
    try:
        url = post_service.clean_link(form.link_url.data or "")
    except ContentError as exc:  # nothing was written: only the link is checked
        show_error(exc, form=form, on_form=True)
        return
    preview = open_graph.fetch_preview(url=url)
    if preview is None:
        flash(_("No preview could be read from that page; type it below."), "warning")
        return
    form.preview_title.data = preview.title
    form.preview_description.data = preview.description
    form.preview_image_url.data = preview.image_url
    flash(_("The preview is filled in from the page; check it before saving."), "info")


@bp.route("/posts/<int:post_id>")
@curator_required
def post(post_id: int):
    item = scoped_or_404(Post, post_id)
    return render_template("content/post.html", post=item, review_form=ReviewForm())


@bp.route("/posts/<int:post_id>/media")
@member_required
def media(post_id: int):
    # The image is exactly as visible as its post (an internal-only post's image is not for fans).
    item = feed.viewable_post(membership=g.membership, post_id=post_id)
    if item is None or not item.image_path:
        abort(404)
    path = uploads.absolute_path(item.image_path)
    if path is None:
        abort(404)
    response = send_file(path, mimetype=uploads.mimetype_for(item.image_path), max_age=3600, conditional=True)
    response.cache_control.public = False
    response.cache_control.private = True
    return response


# Lifecycle -------------------------------------------------------------------------------------

def _transition(post_id: int, action, done: str, **kwargs):
    item = scoped_or_404(Post, post_id)
    with service_call() as call:
        action(post=item, membership=g.membership, **kwargs)
    if call.ok:
        flash(done, "success")
    if request.form.get("next") == "review":
        return redirect(url_for("content.review"))
    return redirect(url_for("content.post", post_id=post_id))


@bp.route("/posts/<int:post_id>/publish", methods=["POST"])
@curator_required
def publish_post(post_id: int):
    needs_review = approval.needs_review(org=g.org, membership=g.membership)
    done = _("Sent to a manager for review.") if needs_review else _("Published: ambassadors can share it.")
    return _transition(post_id, approval.publish, done, org=g.org)


@bp.route("/posts/<int:post_id>/archive", methods=["POST"])
@curator_required
def archive_post(post_id: int):
    return _transition(post_id, approval.archive, _("The post is archived."))


@bp.route("/posts/<int:post_id>/restore", methods=["POST"])
@curator_required
def restore_post(post_id: int):
    return _transition(post_id, approval.restore, _("The post is back as a draft."))


@bp.route("/posts/<int:post_id>/approve", methods=["POST"])
@manager_required
def approve_post(post_id: int):
    return _transition(post_id, approval.approve, _("Approved: ambassadors can share it."), origin=request_origin())


@bp.route("/posts/<int:post_id>/send-back", methods=["POST"])
@manager_required
def send_back_post(post_id: int):
    form = ReviewForm()
    if not form.validate_on_submit():
        item = scoped_or_404(Post, post_id)
        return render_template("content/post.html", post=item, review_form=form), 400
    return _transition(post_id, approval.request_changes, _("Sent back to the curator with your comment."),
                       comment=form.comment.data, origin=request_origin())


@bp.route("/review")
@manager_required
def review():
    return render_template("content/review.html", posts=approval.pending(org=g.org), review_form=ReviewForm())
