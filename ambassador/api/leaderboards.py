"""The leaderboard, read from the analytics rollups and standings (services/analytics/leaderboard.py)."""
from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from .. import networks
from ..models import KINDS, Campaign, Team
from ..services.analytics import leaderboard, periods
from . import auth
from .blueprint import resource
from .fields import id_field, scoped_or_404

blp = resource("leaderboards", "Who earned the most points in a period, with shares and counted clicks.")

PERIODS = ("7", "30", "90", "quarter", "all")


class BoardArgs(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    period = ma.fields.String(load_default="30", validate=ma.validate.OneOf(PERIODS),
                              metadata={"description": "Last 7, 30 or 90 days, this quarter, or all time."})
    team_id = id_field("Only members of this team.")
    campaign_id = id_field("Only points, shares and clicks of this campaign.")
    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(KINDS))
    network = ma.fields.String(load_default=None, validate=ma.validate.OneOf(tuple(networks.NETWORKS)))
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


class BoardRowSchema(ma.Schema):
    member_id = ma.fields.Integer(attribute="membership_id", required=True)
    rank = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    teams = ma.fields.List(ma.fields.String(), required=True)
    points = ma.fields.Integer(required=True)
    shares = ma.fields.Integer(required=True)
    clicks = ma.fields.Integer(required=True)


class BoardSchema(ma.Schema):
    period = ma.fields.String(required=True)
    first_day = ma.fields.Date(required=True, allow_none=True)
    last_day = ma.fields.Date(required=True, allow_none=True)
    total = ma.fields.Integer(required=True, metadata={"description": "Members ranked"})
    rows = ma.fields.List(ma.fields.Nested(BoardRowSchema), required=True)


@blp.route("/leaderboard")
class Leaderboard(MethodView):
    @auth.requires("analytics:read")
    @blp.arguments(BoardArgs, location="query")
    @blp.response(200, BoardSchema)
    def get(self, args):
        """The leaderboard"""
        org = auth.org()
        team = scoped_or_404(Team, args["team_id"]) if args["team_id"] else None
        campaign = scoped_or_404(Campaign, args["campaign_id"]) if args["campaign_id"] else None
        window = periods.named_window(org, args["period"], allowed=PERIODS, default="30")
        result = leaderboard.board(org_id=org.id, window=window, team_id=team.id if team else None,
                                   kind=args["kind"], campaign_id=campaign.id if campaign else None,
                                   network=args["network"], limit=args["limit"])
        return {"period": args["period"], "first_day": window.first_day, "last_day": window.last_day,
                "total": result.total, "rows": result.rows}
