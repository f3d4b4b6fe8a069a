"""Tracked links (one per member, post and network) and the clicks counted for them. Managers see every link
of the organization; everyone else only their own."""
from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import abort, g
from flask.views import MethodView

from .. import networks
from ..extensions import db
from ..models import Click, Role, TrackedLink
from ..services.publishing.tracked_links import short_url
from . import auth
from .blueprint import resource
from .fields import UtcDateTime, id_field
from .pagination import PageArgs, page_schema, paginate

blp = resource("links", "Tracked short links and the clicks counted for them (bots and repeats within the "
                        "hour are not counted).")


def counted_clicks(link_id: int) -> int:
    return g.api_click_counts.get(link_id, 0)


def count_clicks(link_ids) -> None:
    """Counted clicks of these links in one query, kept on g for the schemas."""
    ids = set(link_ids)
    g.api_click_counts = dict(db.session.execute(
        sa.select(Click.tracked_link_id, sa.func.count()).where(Click.tracked_link_id.in_(ids))
        .group_by(Click.tracked_link_id)).all()) if ids else {}


CLICKS = {"type": "integer", "description": "Counted clicks"}


class LinkSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    short_url = ma.fields.Function(lambda link: short_url(link.code), required=True)
    post_id = ma.fields.Integer(required=True)
    member_id = ma.fields.Integer(attribute="membership_id", required=True)
    network = ma.fields.String(required=True)
    destination = ma.fields.String(required=True)
    clicks = ma.fields.Function(lambda link: counted_clicks(link.id), required=True, metadata=CLICKS)
    created_at = UtcDateTime(required=True)


class LinkArgs(PageArgs):
    post_id = id_field("Only links of this post.")
    member_id = id_field("Only links of this member.")
    network = ma.fields.String(load_default=None, validate=ma.validate.OneOf(tuple(networks.NETWORKS)))


LinkPage = page_schema(LinkSchema, "LinkPage")


def _visible():
    query = sa.select(TrackedLink).where(TrackedLink.org_id == auth.org().id)
    if not auth.at_least(Role.MANAGER):
        query = query.where(TrackedLink.membership_id == auth.membership().id)  # type: ignore[union-attr]
    return query


@blp.route("/links")
class LinkList(MethodView):
    @auth.requires("shares:read")
    @blp.arguments(LinkArgs, location="query")
    @blp.response(200, LinkPage)
    def get(self, args):
        """List tracked links"""
        query = _visible()
        for name, column in (("post_id", TrackedLink.post_id), ("member_id", TrackedLink.membership_id),
                             ("network", TrackedLink.network)):
            if args[name]:
                query = query.where(column == args[name])
        rows, cursor = paginate(query, sort=TrackedLink.created_at, id_col=TrackedLink.id, cursor=args["cursor"],
                                limit=args["limit"])
        count_clicks(row.id for row in rows)
        return {"data": rows, "next_cursor": cursor}


@blp.route("/links/<int(max=2147483647):link_id>")
class LinkItem(MethodView):
    @auth.requires("shares:read")
    @blp.response(200, LinkSchema)
    def get(self, link_id):
        """One tracked link"""
        link = db.session.scalar(_visible().where(TrackedLink.id == link_id))
        if link is None:
            abort(404)
        count_clicks([link.id])
        return link
