"""Campaigns (curators and up): read, and create through the content service."""
from __future__ import annotations

from datetime import UTC

import marshmallow as ma
import sqlalchemy as sa
from flask.views import MethodView

from ..models import CAMPAIGN_STATUSES, Campaign, CampaignStatus, Role
from ..services.content import campaigns
from . import auth
from .blueprint import resource
from .fields import MAX_ID, UtcDateTime, created, scoped_or_404
from .idempotency import IDEMPOTENCY_KEY, idempotent
from .pagination import PageArgs, page_schema, paginate

blp = resource("campaigns", "Campaigns group the posts ambassadors share.")


class CampaignSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    slug = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(CAMPAIGN_STATUSES))
    starts_at = UtcDateTime(required=True, allow_none=True)
    ends_at = UtcDateTime(required=True, allow_none=True)
    auto_share = ma.fields.Boolean(required=True)
    team_ids = ma.fields.Function(lambda c: sorted(t.id for t in c.teams), required=True,
                                  metadata={"type": "array", "items": {"type": "integer"}})
    created_at = UtcDateTime(required=True)


class CampaignCreate(ma.Schema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(max=500))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=10000))
    status = ma.fields.String(load_default=CampaignStatus.DRAFT, validate=ma.validate.OneOf(CAMPAIGN_STATUSES))
    starts_at = ma.fields.NaiveDateTime(load_default=None, allow_none=True, timezone=UTC,
                                        metadata={"description": "UTC unless an offset is given"})
    ends_at = ma.fields.NaiveDateTime(load_default=None, allow_none=True, timezone=UTC,
                                      metadata={"description": "UTC unless an offset is given"})
    auto_share = ma.fields.Boolean(load_default=False)
    team_ids = ma.fields.List(ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID)), load_default=list,
                              validate=ma.validate.Length(max=200))


class CampaignArgs(PageArgs):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(CAMPAIGN_STATUSES))


CampaignPage = page_schema(CampaignSchema, "CampaignPage")


@blp.route("/campaigns")
class CampaignList(MethodView):
    @auth.requires("content:read", Role.CURATOR)
    @blp.arguments(CampaignArgs, location="query")
    @blp.response(200, CampaignPage)
    def get(self, args):
        """List campaigns"""
        query = sa.select(Campaign).where(Campaign.org_id == auth.org().id)
        if args["status"]:
            query = query.where(Campaign.status == args["status"])
        rows, cursor = paginate(query, sort=Campaign.created_at, id_col=Campaign.id, cursor=args["cursor"],
                                limit=args["limit"])
        return {"data": rows, "next_cursor": cursor}

    @auth.requires("content:write", Role.CURATOR)
    @blp.arguments(CampaignCreate)
    @blp.response(201, CampaignSchema)
    @blp.doc(parameters=[IDEMPOTENCY_KEY])
    @idempotent
    def post(self, data):
        """Create a campaign"""
        member = auth.membership()
        campaign = campaigns.create_campaign(org=auth.org(), author=member.user if member else None,
                                             data=campaigns.CampaignInput(**data))
        return created(CampaignSchema(), campaign, "api_campaigns.CampaignItem", campaign_id=campaign.id)


@blp.route("/campaigns/<int(max=2147483647):campaign_id>")
class CampaignItem(MethodView):
    @auth.requires("content:read", Role.CURATOR)
    @blp.response(200, CampaignSchema)
    def get(self, campaign_id):
        """One campaign"""
        return scoped_or_404(Campaign, campaign_id)
