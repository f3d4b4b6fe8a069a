"""Posts with their captions per network and language (curators and up)."""
from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask.views import MethodView
from sqlalchemy.orm import selectinload

from ..models import Post, PostStatus, Role
from . import auth
from .blueprint import resource
from .fields import UtcDateTime, id_field, scoped_or_404
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


@blp.route("/posts/<int(max=2147483647):post_id>")
class PostItem(MethodView):
    @auth.requires("content:read", Role.CURATOR)
    @blp.response(200, PostSchema)
    def get(self, post_id):
        """One post"""
        return scoped_or_404(Post, post_id)
