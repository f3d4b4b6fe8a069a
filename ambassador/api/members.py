"""Members of the token's organization (managers and admins only: the list holds email addresses)."""
from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from ..models import KINDS, MEMBER_STATUSES, ROLES, Membership, Role
from ..services.org import members
from . import auth
from .blueprint import resource
from .fields import UtcDateTime, id_field, scoped_or_404
from .pagination import PageArgs, page_schema, paginate

blp = resource("members", "Members of the organization: role, kind, status and teams.")


class MemberSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.Function(lambda m: m.user.name or "", required=True)
    email = ma.fields.Function(lambda m: m.user.email, required=True)
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(MEMBER_STATUSES))
    team_ids = ma.fields.Function(lambda m: sorted(t.id for t in m.teams), required=True,
                                  metadata={"type": "array", "items": {"type": "integer"}})
    source = ma.fields.String(required=True)
    created_at = UtcDateTime(required=True)


class MemberArgs(PageArgs):
    role = ma.fields.String(load_default="", validate=ma.validate.OneOf(ROLES))
    kind = ma.fields.String(load_default="", validate=ma.validate.OneOf(KINDS))
    status = ma.fields.String(load_default="", validate=ma.validate.OneOf(MEMBER_STATUSES))
    team_id = id_field("Only members of this team.")
    q = ma.fields.String(load_default="", validate=ma.validate.Length(max=100),
                         metadata={"description": "Name or email contains this."})


MemberPage = page_schema(MemberSchema, "MemberPage")


@blp.route("/members")
class MemberList(MethodView):
    @auth.requires("members:read", Role.MANAGER)
    @blp.arguments(MemberArgs, location="query")
    @blp.response(200, MemberPage)
    def get(self, args):
        """List members"""
        query = members.member_query(org=auth.org(), q=args["q"], role=args["role"], kind=args["kind"],
                                     team_id=args["team_id"], status=args["status"]).order_by(None)
        rows, cursor = paginate(query, sort=Membership.created_at, id_col=Membership.id, cursor=args["cursor"],
                                limit=args["limit"])
        return {"data": rows, "next_cursor": cursor}


@blp.route("/members/<int(max=2147483647):member_id>")
class MemberItem(MethodView):
    @auth.requires("members:read", Role.MANAGER)
    @blp.response(200, MemberSchema)
    def get(self, member_id):
        """One member"""
        return scoped_or_404(Membership, member_id)
