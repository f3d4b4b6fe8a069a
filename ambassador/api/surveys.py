"""NPS surveys, their responses and the follow-ups of detractors (managers and up, as in the product)."""
from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask.views import MethodView

from ..models import FOLLOW_UP_STATUSES, FollowUp, Role, Survey, SurveyResponse
from ..models.nps import SURVEY_STATUSES
from . import auth
from .blueprint import resource
from .fields import UtcDateTime, id_field, scoped_or_404
from .pagination import PageArgs, page_by_creation, page_schema

blp = resource("surveys", "NPS surveys, their responses (score, group, comment) and detractor follow-ups.")
GROUPS = ("promoter", "passive", "detractor")


class SurveySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(SURVEY_STATUSES))
    invite_promoters = ma.fields.Boolean(required=True)
    created_at = UtcDateTime(required=True)


class ResponseSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    survey_id = ma.fields.Integer(required=True)
    member_id = ma.fields.Integer(attribute="membership_id", required=True, allow_none=True)
    score = ma.fields.Integer(required=True)
    group = ma.fields.String(required=True, validate=ma.validate.OneOf(GROUPS))
    comment = ma.fields.String(required=True)
    language = ma.fields.String(required=True)
    segment = ma.fields.String(required=True)
    store = ma.fields.String(required=True)
    created_at = UtcDateTime(required=True)


class FollowUpSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    response_id = ma.fields.Integer(required=True)
    assignee_member_id = ma.fields.Integer(attribute="assignee_membership_id", required=True, allow_none=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(FOLLOW_UP_STATUSES))
    due_at = UtcDateTime(required=True)
    created_at = UtcDateTime(required=True)
    resolved_at = UtcDateTime(required=True, allow_none=True)


class SurveyArgs(PageArgs):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(SURVEY_STATUSES))


class ResponseArgs(PageArgs):
    survey_id = id_field("Only answers to this survey.")
    group = ma.fields.String(load_default=None, validate=ma.validate.OneOf(GROUPS))


class FollowUpArgs(PageArgs):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(FOLLOW_UP_STATUSES))
    assignee_id = id_field("Only follow-ups assigned to this member.")


SurveyPage = page_schema(SurveySchema, "SurveyPage")
ResponsePage = page_schema(ResponseSchema, "SurveyResponsePage")
FollowUpPage = page_schema(FollowUpSchema, "FollowUpPage")


def _page(query, model, args):
    rows, cursor = page_by_creation(query, model, args)
    return {"data": rows, "next_cursor": cursor}


@blp.route("/surveys")
class SurveyList(MethodView):
    @auth.requires("surveys:read", Role.MANAGER)
    @blp.arguments(SurveyArgs, location="query")
    @blp.response(200, SurveyPage)
    def get(self, args):
        """List surveys"""
        query = sa.select(Survey).where(Survey.org_id == auth.org().id)
        if args["status"]:
            query = query.where(Survey.status == args["status"])
        return _page(query, Survey, args)


@blp.route("/surveys/<int(max=2147483647):survey_id>")
class SurveyItem(MethodView):
    @auth.requires("surveys:read", Role.MANAGER)
    @blp.response(200, SurveySchema)
    def get(self, survey_id):
        """One survey"""
        return scoped_or_404(Survey, survey_id)


@blp.route("/survey-responses")
class ResponseList(MethodView):
    @auth.requires("surveys:read", Role.MANAGER)
    @blp.arguments(ResponseArgs, location="query")
    @blp.response(200, ResponsePage)
    def get(self, args):
        """List survey responses"""
        query = sa.select(SurveyResponse).where(SurveyResponse.org_id == auth.org().id)
        if args["survey_id"]:
            query = query.where(SurveyResponse.survey_id == args["survey_id"])
        if args["group"]:
            query = query.where(SurveyResponse.group == args["group"])
        return _page(query, SurveyResponse, args)


@blp.route("/follow-ups")
class FollowUpList(MethodView):
    @auth.requires("surveys:read", Role.MANAGER)
    @blp.arguments(FollowUpArgs, location="query")
    @blp.response(200, FollowUpPage)
    def get(self, args):
        """List detractor follow-ups"""
        query = sa.select(FollowUp).where(FollowUp.org_id == auth.org().id)
        if args["status"]:
            query = query.where(FollowUp.status == args["status"])
        if args["assignee_id"]:
            query = query.where(FollowUp.assignee_membership_id == args["assignee_id"])
        return _page(query, FollowUp, args)


@blp.route("/follow-ups/<int(max=2147483647):follow_up_id>")
class FollowUpItem(MethodView):
    @auth.requires("surveys:read", Role.MANAGER)
    @blp.response(200, FollowUpSchema)
    def get(self, follow_up_id):
        """One follow-up"""
        return scoped_or_404(FollowUp, follow_up_id)
