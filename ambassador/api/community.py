"""The community: ideas (read; members post new ones through the ideas service), rewards and redemptions
(managers see every redemption, everyone else their own)."""
from __future__ import annotations

from functools import wraps

import marshmallow as ma
import sqlalchemy as sa
from flask import abort, g, jsonify
from flask.views import MethodView
from flask_babel import gettext as _

from ..extensions import db
from ..infra import database
from ..models import Idea, Redemption, Reward, Role
from ..models.community import IDEA_STATUSES
from ..models.rewards import ELIGIBILITIES, REDEMPTION_STATUSES
from ..services.community import ideas, redemptions
from . import auth
from .blueprint import resource
from .fields import UtcDateTime, created, id_field, scoped_or_404
from .idempotency import IDEMPOTENCY_KEY, idempotent
from .pagination import PageArgs, page_by_creation, page_schema

blp = resource("community", "Ideas with their votes, the rewards catalogue and redemptions.")


class IdeaSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    body = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(IDEA_STATUSES))
    author_member_id = ma.fields.Integer(attribute="author_id", required=True, allow_none=True)
    votes = ma.fields.Function(lambda idea: g.api_votes.get(idea.id, 0), required=True,
                               metadata={"type": "integer"})
    staff_reply = ma.fields.String(required=True)
    created_at = UtcDateTime(required=True)


class IdeaCreate(ma.Schema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(max=500))
    body = ma.fields.String(load_default="", validate=ma.validate.Length(max=20000))


class RewardSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    points_cost = ma.fields.Integer(required=True)
    stock = ma.fields.Integer(required=True, allow_none=True)
    eligibility = ma.fields.String(required=True, validate=ma.validate.OneOf(ELIGIBILITIES))
    active = ma.fields.Boolean(required=True)
    created_at = UtcDateTime(required=True)


class RedemptionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    reward_id = ma.fields.Integer(required=True)
    member_id = ma.fields.Integer(attribute="membership_id", required=True)
    points = ma.fields.Integer(required=True)
    reward_title = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(REDEMPTION_STATUSES))
    created_at = UtcDateTime(required=True)
    decided_at = UtcDateTime(required=True, allow_none=True)
    refusal_reason = ma.fields.String(required=True, metadata={"description": "Empty unless refused."})
    fulfilled_at = UtcDateTime(required=True, allow_none=True)


class RefusalSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500),
                              metadata={"description": "Why it is refused: the member sees it."})


class IdeaArgs(PageArgs):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(IDEA_STATUSES))


class RedemptionArgs(PageArgs):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(REDEMPTION_STATUSES))
    member_id = id_field("Only redemptions of this member.")


IdeaPage = page_schema(IdeaSchema, "IdeaPage")
RewardPage = page_schema(RewardSchema, "RewardPage")
RedemptionPage = page_schema(RedemptionSchema, "RedemptionPage")


def _with_votes(rows):
    g.api_votes = ideas.vote_counts([idea.id for idea in rows])
    return rows


@blp.route("/ideas")
class IdeaList(MethodView):
    @auth.requires("community:read")
    @blp.arguments(IdeaArgs, location="query")
    @blp.response(200, IdeaPage)
    def get(self, args):
        """List ideas"""
        query = sa.select(Idea).where(Idea.org_id == auth.org().id)
        if args["status"]:
            query = query.where(Idea.status == args["status"])
        rows, cursor = page_by_creation(query, Idea, args)
        return {"data": _with_votes(rows), "next_cursor": cursor}

    @auth.requires("community:write")
    @blp.arguments(IdeaCreate)
    @blp.response(201, IdeaSchema)
    @blp.doc(parameters=[IDEMPOTENCY_KEY])
    @idempotent
    def post(self, data):
        """Post an idea (as the member of a personal token)"""
        member = auth.membership()
        if member is None:
            abort(403, description=_("Ideas come from a member: use a personal token."))
        idea = ideas.create_idea(org=auth.org(), membership=member, title=data["title"], body=data["body"])
        _with_votes([idea])
        return created(IdeaSchema(), idea, "api_community.IdeaItem", idea_id=idea.id)


@blp.route("/ideas/<int(max=2147483647):idea_id>")
class IdeaItem(MethodView):
    @auth.requires("community:read")
    @blp.response(200, IdeaSchema)
    def get(self, idea_id):
        """One idea"""
        return _with_votes([scoped_or_404(Idea, idea_id)])[0]


@blp.route("/rewards")
class RewardList(MethodView):
    @auth.requires("community:read")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, RewardPage)
    def get(self, args):
        """List rewards (curators and up also see inactive ones)"""
        query = sa.select(Reward).where(Reward.org_id == auth.org().id)
        if not auth.at_least(Role.CURATOR):
            query = query.where(Reward.active.is_(True))
        rows, cursor = page_by_creation(query, Reward, args)
        return {"data": rows, "next_cursor": cursor}


def _redemptions():
    query = sa.select(Redemption).where(Redemption.org_id == auth.org().id)
    if not auth.at_least(Role.MANAGER):
        query = query.where(Redemption.membership_id == auth.membership().id)  # type: ignore[union-attr]
    return query


@blp.route("/redemptions")
class RedemptionList(MethodView):
    @auth.requires("community:read")
    @blp.arguments(RedemptionArgs, location="query")
    @blp.response(200, RedemptionPage)
    def get(self, args):
        """List redemptions"""
        query = _redemptions()
        if args["status"]:
            query = query.where(Redemption.status == args["status"])
        if args["member_id"]:
            query = query.where(Redemption.membership_id == args["member_id"])
        rows, cursor = page_by_creation(query, Redemption, args)
        return {"data": rows, "next_cursor": cursor}


@blp.route("/redemptions/<int(max=2147483647):redemption_id>")
class RedemptionItem(MethodView):
    @auth.requires("community:read")
    @blp.response(200, RedemptionSchema)
    def get(self, redemption_id):
        """One redemption"""
        redemption = db.session.scalar(_redemptions().where(Redemption.id == redemption_id))
        if redemption is None:
            abort(404)
        return redemption



def _decidable(view):
    """Before the body is read: a redemption of another organization is a 404 (as a missing one), and the
    decider must be a member (the service records who decided), so an integration token gets a 403."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        scoped_or_404(Redemption, kwargs["redemption_id"])
        if auth.membership() is None:
            abort(403, description=_("Redemptions are decided by a manager: use a personal token."))
        return view(*args, **kwargs)

    return wrapper


def _decide(redemption_id: int, decide):
    """A manager's decision through the rewards service, as on the requests page (audited with via="api")."""
    database.begin_write()  # SQLite: write lock first, so the status change never meets "database is locked"
    redemption = db.session.get_one(Redemption, redemption_id)
    decide(redemption, auth.membership())
    return jsonify(RedemptionSchema().dump(redemption))


@blp.route("/redemptions/<int(max=2147483647):redemption_id>/fulfil")
class RedemptionFulfil(MethodView):
    @auth.requires("community:write", Role.MANAGER)
    @_decidable
    @blp.response(200, RedemptionSchema)
    @blp.doc(parameters=[IDEMPOTENCY_KEY])
    @idempotent
    def post(self, redemption_id):
        """Mark a redemption as handed over (approving it on the way)"""
        return _decide(redemption_id, lambda redemption, actor: redemptions.fulfil(
            redemption=redemption, actor=actor, origin=auth.origin()))


@blp.route("/redemptions/<int(max=2147483647):redemption_id>/refuse")
class RedemptionRefuse(MethodView):
    @auth.requires("community:write", Role.MANAGER)
    @_decidable
    @blp.arguments(RefusalSchema)
    @blp.response(200, RedemptionSchema)
    @blp.doc(parameters=[IDEMPOTENCY_KEY])
    @idempotent
    def post(self, data, redemption_id):
        """Refuse a redemption with a reason the member sees; the points and the item come back"""
        return _decide(redemption_id, lambda redemption, actor: redemptions.refuse(
            redemption=redemption, actor=actor, reason=data["reason"], origin=auth.origin()))
