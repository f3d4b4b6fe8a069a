"""Shares and their states, each with its tracked link and the clicks counted for it. Managers see every
share of the organization; everyone else only their own."""
from __future__ import annotations

from datetime import UTC

import marshmallow as ma
import sqlalchemy as sa
from flask import abort, jsonify
from flask.views import MethodView
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from .. import networks
from ..extensions import db
from ..models import EngagementSnapshot, Role, Share, ShareStatus
from ..services.publishing import linked_shares
from ..services.publishing.tracked_links import short_url
from . import auth
from .blueprint import resource
from .engagement import FiguresSchema, SharesFigures, SnapshotSchema, figures_of, load_figures
from .fields import MAX_ID, UtcDateTime, created, id_field
from .idempotency import IDEMPOTENCY_KEY, idempotent
from .links import CLICKS, count_clicks, counted_clicks
from .pagination import PageArgs, page_schema, paginate

blp = resource("shares", "Shares by members: network, state, tracked link and counted clicks.")


class ShareSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    post_id = ma.fields.Integer(required=True)
    member_id = ma.fields.Integer(attribute="membership_id", required=True)
    network = ma.fields.String(required=True)
    method = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(tuple(ShareStatus)))
    caption = ma.fields.String(required=True)
    created_at = UtcDateTime(required=True)
    scheduled_at = UtcDateTime(required=True, allow_none=True)
    published_at = UtcDateTime(required=True, allow_none=True)
    external_url = ma.fields.String(required=True, allow_none=True)
    short_url = ma.fields.Function(lambda s: short_url(s.tracked_link.code), required=True)
    clicks = ma.fields.Function(lambda s: counted_clicks(s.tracked_link_id), required=True, metadata=CLICKS)
    engagement = SharesFigures(metadata={"description": "The latest figures the network reported (null: unknown)"})


class ShareArgs(PageArgs):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(tuple(ShareStatus)))
    network = ma.fields.String(load_default=None, validate=ma.validate.OneOf(tuple(networks.NETWORKS)))
    post_id = id_field("Only shares of this post.")
    member_id = id_field("Only shares by this member.")


SharePage = page_schema(ShareSchema, "SharePage")


class ShareCreate(ma.Schema):
    post_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=MAX_ID),
                                metadata={"description": "A post live for you (in your feed)."})
    account_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=MAX_ID),
                                   metadata={"description": "One of your linked accounts (GET /api/v1/accounts)."})
    caption = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=10000),
                               metadata={"description": "Your text; omitted or null: the post's suggested caption "
                                                        "for the account's network. The organization's disclosure, "
                                                        "the post's hashtags and the tracked link are added."})
    at = ma.fields.NaiveDateTime(load_default=None, allow_none=True, timezone=UTC, metadata={
        "description": "When it goes out (UTC unless an offset is given); omitted or null: now."})


class ShareEngagementSchema(ma.Schema):
    share_id = ma.fields.Integer(required=True)
    latest = ma.fields.Nested(FiguresSchema, required=True)
    data = ma.fields.List(ma.fields.Nested(SnapshotSchema), required=True, metadata={
        "description": "The readings stored by the worker (one each time a figure changed), oldest first"})
    next_cursor = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "Pass as `cursor` for the next page; null on the last page."})


def _visible():
    query = (sa.select(Share).where(Share.org_id == auth.org().id).options(selectinload(Share.tracked_link)))
    if not auth.at_least(Role.MANAGER):
        member = auth.membership()
        assert member is not None  # an integration token acts as an admin
        query = query.where(Share.membership_id == member.id)
    return query


@blp.route("/shares")
class ShareList(MethodView):
    @auth.requires("shares:read")
    @blp.arguments(ShareArgs, location="query")
    @blp.response(200, SharePage)
    def get(self, args):
        """List shares"""
        query = _visible()
        for name, column in (("status", Share.status), ("network", Share.network), ("post_id", Share.post_id),
                             ("member_id", Share.membership_id)):
            if args[name]:
                query = query.where(column == args[name])
        rows, cursor = paginate(query, sort=Share.created_at, id_col=Share.id, cursor=args["cursor"],
                                limit=args["limit"])
        count_clicks(row.tracked_link_id for row in rows)
        load_figures(auth.org().id, [row.id for row in rows])
        return {"data": rows, "next_cursor": cursor}

    @auth.requires("shares:write")
    @blp.arguments(ShareCreate)
    @blp.response(201, ShareSchema)
    @blp.doc(parameters=[IDEMPOTENCY_KEY])
    @idempotent
    def post(self, data):
        """Share a live post through one of your linked accounts, now or at a time (personal token)"""
        member = auth.membership()
        if member is None:
            abort(403, description=_("Shares go out through a member's own account: use a personal token."))
        share = linked_shares.share_through_account(membership=member, post_id=data["post_id"],
                                                    account_id=data["account_id"], caption=data["caption"],
                                                    at=data["at"])
        return created(ShareSchema(), _loaded(share), "api_shares.ShareItem", share_id=share.id)


@blp.route("/shares/<int(max=2147483647):share_id>")
class ShareItem(MethodView):
    @auth.requires("shares:read")
    @blp.response(200, ShareSchema)
    def get(self, share_id):
        """One share"""
        return _loaded(_visible_or_404(share_id))

    @auth.requires("shares:write")
    @blp.response(200, ShareSchema)
    def delete(self, share_id):
        """Cancel one of your shares that has not gone out yet (it stays, canceled)"""
        share = _visible_or_404(share_id)
        member = auth.membership()
        if member is None or share.membership_id != member.id:
            abort(403, description=_("Only the member who planned a share can cancel it."))
        linked_shares.cancel_share(share=share)
        db.session.commit()
        return jsonify(ShareSchema().dump(_loaded(share)))


def _loaded(share: Share) -> Share:
    """The share with what its schema reads from g: counted clicks and latest figures."""
    count_clicks([share.tracked_link_id])
    load_figures(share.org_id, [share.id])
    return share


def _visible_or_404(share_id: int) -> Share:
    share = db.session.scalar(_visible().where(Share.id == share_id))
    if share is None:
        abort(404)
    return share


@blp.route("/shares/<int(max=2147483647):share_id>/engagement")
class ShareEngagementItem(MethodView):
    @auth.requires("shares:read")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, ShareEngagementSchema)
    def get(self, args, share_id):
        """A share's engagement: its latest figures and the snapshots the worker stored"""
        share = _visible_or_404(share_id)
        query = sa.select(EngagementSnapshot).where(EngagementSnapshot.org_id == share.org_id,
                                                    EngagementSnapshot.share_id == share.id)
        rows, cursor = paginate(query, sort=EngagementSnapshot.taken_at, id_col=EngagementSnapshot.id,
                                cursor=args["cursor"], limit=args["limit"])
        load_figures(share.org_id, [share.id])
        return {"share_id": share.id, "latest": figures_of(share.id), "data": rows, "next_cursor": cursor}
