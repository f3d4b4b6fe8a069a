"""Posts with their captions per network and language (curators and up)."""
from __future__ import annotations

from datetime import UTC

import marshmallow as ma
import sqlalchemy as sa
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import abort
from sqlalchemy.orm import selectinload

from .. import networks
from ..extensions import db
from ..models import AUDIENCES, CONTENT_LANGUAGES, Audience, Campaign, Post, PostStatus, Role
from ..services.content import posts
from . import auth
from .blueprint import resource
from .fields import MAX_ID, UtcDateTime, created, id_field, scoped_or_404
from .idempotency import IDEMPOTENCY_KEY, idempotent
from .pagination import PageArgs, page_schema, paginate

blp = resource("posts", "Posts of campaigns, with a caption per network and language.")


class CaptionSchema(ma.Schema):
    network = ma.fields.String(required=True)
    lang = ma.fields.String(required=True)
    text = ma.fields.String(required=True)


class TranslationSchema(ma.Schema):
    lang = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    summary = ma.fields.String(required=True)


class PostSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    campaign_id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    link_url = ma.fields.String(required=True)
    hashtags = ma.fields.String(required=True)
    audience = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(tuple(PostStatus)))
    visible_from = UtcDateTime(required=True, allow_none=True)
    expires_at = UtcDateTime(required=True, allow_none=True)
    published_at = UtcDateTime(required=True, allow_none=True)
    created_at = UtcDateTime(required=True)
    captions = ma.fields.List(ma.fields.Nested(CaptionSchema), required=True)
    translations = ma.fields.List(ma.fields.Nested(TranslationSchema), required=True)


NETWORK_CAPTIONS = ma.fields.Dict(
    keys=ma.fields.String(validate=ma.validate.OneOf(tuple(networks.NETWORKS))),
    values=ma.fields.String(validate=ma.validate.Length(max=posts.MAX_CAPTION)), load_default=dict,
    metadata={"description": "Caption per network (e.g. linkedin, x, mastodon)."})


class LanguageWords(ma.Schema):
    title = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))
    summary = ma.fields.String(load_default="", validate=ma.validate.Length(max=posts.MAX_SUMMARY))
    captions = NETWORK_CAPTIONS


class PostCreate(ma.Schema):
    """A new draft post; it is published through review in the product, as the post editor does."""

    campaign_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=MAX_ID))
    title = ma.fields.String(required=True, validate=ma.validate.Length(max=500))
    link_url = ma.fields.String(required=True, validate=ma.validate.Length(max=2048))
    preview_title = ma.fields.String(load_default="", validate=ma.validate.Length(max=300))
    preview_description = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    preview_image_url = ma.fields.String(load_default="", validate=ma.validate.Length(max=2048))
    hashtags = ma.fields.String(load_default="", validate=ma.validate.Length(max=300))
    visible_from = ma.fields.NaiveDateTime(load_default=None, allow_none=True, timezone=UTC)
    expires_at = ma.fields.NaiveDateTime(load_default=None, allow_none=True, timezone=UTC)
    audience = ma.fields.String(load_default=Audience.EVERYONE, validate=ma.validate.OneOf(AUDIENCES))
    team_ids = ma.fields.List(ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID)), load_default=list,
                              validate=ma.validate.Length(max=200))
    captions = NETWORK_CAPTIONS
    summary = ma.fields.String(load_default="", validate=ma.validate.Length(max=posts.MAX_SUMMARY))
    translations = ma.fields.Dict(keys=ma.fields.String(validate=ma.validate.OneOf(CONTENT_LANGUAGES)),
                                  values=ma.fields.Nested(LanguageWords), load_default=dict,
                                  metadata={"description": "The organization's other post languages."})


class PostArgs(PageArgs):
    campaign_id = id_field("Only posts of this campaign.")
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(tuple(PostStatus)))


PostPage = page_schema(PostSchema, "PostPage")


@blp.route("/posts")
class PostList(MethodView):
    @auth.requires("content:read", Role.CURATOR)
    @blp.arguments(PostArgs, location="query")
    @blp.response(200, PostPage)
    def get(self, args):
        """List posts"""
        query = (sa.select(Post).where(Post.org_id == auth.org().id)
                 .options(selectinload(Post.captions), selectinload(Post.translations)))
        if args["campaign_id"]:
            query = query.where(Post.campaign_id == args["campaign_id"])
        if args["status"]:
            query = query.where(Post.status == args["status"])
        rows, cursor = paginate(query, sort=Post.created_at, id_col=Post.id, cursor=args["cursor"],
                                limit=args["limit"])
        return {"data": rows, "next_cursor": cursor}

    @auth.requires("content:write", Role.CURATOR)
    @blp.arguments(PostCreate)
    @blp.response(201, PostSchema)
    @blp.doc(parameters=[IDEMPOTENCY_KEY])
    @idempotent
    def post(self, data):
        """Create a draft post"""
        org = auth.org()
        campaign = db.session.get(Campaign, data.pop("campaign_id"))
        if campaign is None or campaign.org_id != org.id:
            abort(422, messages={"json": {"campaign_id": [_("Choose a campaign of this organization.")]}})
        translations = {lang: posts.LanguageInput(**words) for lang, words in data.pop("translations").items()}
        data = posts.PostInput(**data, translations=translations)
        posts.fill_missing_preview(data)
        member = auth.membership()
        post, _stale = posts.save_post(org=org, campaign=campaign, author=member.user if member else None, data=data)
        return created(PostSchema(), post, "api_posts.PostItem", post_id=post.id)


@blp.route("/posts/<int(max=2147483647):post_id>")
class PostItem(MethodView):
    @auth.requires("content:read", Role.CURATOR)
    @blp.response(200, PostSchema)
    def get(self, post_id):
        """One post"""
        return scoped_or_404(Post, post_id)
