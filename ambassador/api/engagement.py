"""Engagement as the networks report it (DESIGN.md §7): each share's latest figures (on the share resource) and
its stored snapshots, and the organization's summary per day and per network over a period, read through the
analytics services (the days from the rollups). A figure the network does not report is null — unknown, never 0;
a post deleted on the network is marked and keeps its last figures."""
from __future__ import annotations

import marshmallow as ma
from flask import g
from flask.views import MethodView

from .. import networks
from ..services.analytics import engagement, periods, trends
from . import auth
from .blueprint import resource
from .fields import UtcDateTime

blp = resource("engagement", "Engagement the networks report: per day and per network over a period.")

PERIODS = ("7", "30", "90", "quarter")
UNKNOWN = "null when unknown: the network does not report it, or nothing was read back yet (never 0 for unknown)"


def _figure(description: str) -> ma.fields.Integer:
    return ma.fields.Integer(required=True, allow_none=True, metadata={"description": f"{description}; {UNKNOWN}"})


class FiguresSchema(ma.Schema):
    """One share's latest figures (services/analytics/engagement.ShareFigures)."""

    reported = ma.fields.Boolean(required=True, metadata={
        "description": "Does the network report engagement for the account the share went out through? (false for "
                       "share links and for networks that give nothing, e.g. LinkedIn member posts)"})
    likes = _figure("Likes")
    reposts = _figure("Reposts")
    replies = _figure("Replies")
    quotes = _figure("Quotes")
    impressions = _figure("Impressions as the network reports them (not potential reach)")
    total = _figure("Likes + reposts + replies + quotes that are known")
    fetched_at = UtcDateTime(required=True, allow_none=True, metadata={"description": "Last read back; null: never"})
    deleted = ma.fields.Function(lambda f: f.deleted_at is not None, required=True, metadata={
        "type": "boolean", "description": "The network says the post was deleted (its last figures are kept)"})
    deleted_at = UtcDateTime(required=True, allow_none=True)


class SnapshotSchema(ma.Schema):
    taken_at = UtcDateTime(required=True)
    likes = _figure("Likes")
    reposts = _figure("Reposts")
    replies = _figure("Replies")
    quotes = _figure("Quotes")
    impressions = _figure("Impressions")


class SharesFigures(ma.fields.Nested):
    """A share's latest figures, read for the whole page in one query (`load_figures`)."""

    def __init__(self, **kwargs):
        super().__init__(FiguresSchema, required=True, **kwargs)

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        return figures_of(obj.id)


def load_figures(org_id: int, share_ids) -> None:
    """The latest figures of these shares in one query (engagement.figures_for_shares), kept on g."""
    g.api_engagement = engagement.figures_for_shares(org_id=org_id, share_ids=list(share_ids))


def figures_of(share_id: int) -> engagement.ShareFigures:
    """A share without a linked account (a share link) has no figures: not reported, all unknown."""
    return g.api_engagement.get(share_id) or engagement.ShareFigures(share_id=share_id, reported=False)


class SummaryArgs(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    period = ma.fields.String(load_default="30", validate=ma.validate.OneOf(PERIODS),
                              metadata={"description": "Last 7, 30 or 90 days, or this quarter (the organization's "
                                                       "days in its time zone)."})


class DaySchema(ma.Schema):
    day = ma.fields.Date(required=True)
    shares = ma.fields.Integer(required=True, metadata={"description": "Counted shares that day"})
    clicks = ma.fields.Integer(required=True, metadata={"description": "Counted clicks that day"})
    engagement = _figure("Likes + reposts + replies + quotes the networks reported as new that day, on shares of any "
                         "day")


class NetworkSchema(ma.Schema):
    network = ma.fields.String(required=True, validate=ma.validate.OneOf(tuple(networks.NETWORKS)))
    shares = ma.fields.Integer(required=True, metadata={"description": "Counted shares in the period"})
    clicks = ma.fields.Integer(required=True, metadata={"description": "Counted clicks in the period"})
    linked = ma.fields.Integer(required=True, metadata={"description": "Shares through a linked account"})
    unreported = ma.fields.Integer(required=True, metadata={
        "description": "Linked shares whose network does not report engagement"})
    waiting = ma.fields.Integer(required=True, metadata={"description": "Linked shares not read back yet"})
    read = ma.fields.Integer(required=True, metadata={"description": "Shares read back at least once"})
    deleted = ma.fields.Integer(required=True, metadata={
        "description": "Shares deleted on the network (their last figures still count)"})
    likes = _figure("Likes")
    reposts = _figure("Reposts")
    replies = _figure("Replies")
    quotes = _figure("Quotes")
    impressions = _figure("Impressions as the network reports them")
    engagement = _figure("Likes + reposts + replies + quotes of the shares read back (latest figures)")
    reach = _figure("Potential reach: the followers of each share's account")


class SummarySchema(ma.Schema):
    period = ma.fields.String(required=True)
    first_day = ma.fields.Date(required=True)
    last_day = ma.fields.Date(required=True)
    days = ma.fields.List(ma.fields.Nested(DaySchema), required=True)
    networks = ma.fields.List(ma.fields.Nested(NetworkSchema), required=True, metadata={
        "description": "Per network, the period's counted shares and their latest figures"})


@blp.route("/engagement")
class Summary(MethodView):
    @auth.requires("analytics:read")
    @blp.arguments(SummaryArgs, location="query")
    @blp.response(200, SummarySchema)
    def get(self, args):
        """Engagement per day and per network over a period"""
        org = auth.org()
        window = periods.named_window(org, args["period"], allowed=PERIODS, default="30")
        scope = trends.Scope(org_id=org.id)
        gained = engagement.daily(scope=scope, window=window).values
        days = [{"day": stat.day, "shares": stat.shares, "clicks": stat.clicks, "engagement": gain}
                for stat, gain in zip(trends.daily(scope=scope, window=window), gained, strict=True)]
        clicks = {row.key: row.clicks for row in trends.by_network(scope=scope, window=window, labels={})}
        rows = [{**vars(row), "clicks": clicks.get(row.network, 0)}
                for row in engagement.by_network(scope=scope, window=window)]
        return {"period": args["period"], "first_day": window.first_day, "last_day": window.last_day,
                "days": days, "networks": rows}
