"""Teams of the token's organization; admins (and integration tokens) create them."""
from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask.views import MethodView

from ..models import Role, Team
from ..services.org import teams
from . import auth
from .blueprint import resource
from .fields import UtcDateTime, created, scoped_or_404
from .idempotency import IDEMPOTENCY_KEY, idempotent
from .pagination import PageArgs, page_schema, paginate

blp = resource("teams", "Teams group members; each has its own join link (not shown here).")


class TeamSchema(ma.Schema):
    id = ma.fields.Integer(required=True, dump_only=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=teams.MAX_TEAM_NAME))
    created_at = UtcDateTime(required=True, dump_only=True)


class TeamCreate(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


TeamPage = page_schema(TeamSchema, "TeamPage")


@blp.route("/teams")
class TeamList(MethodView):
    @auth.requires("members:read")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, TeamPage)
    def get(self, args):
        """List teams"""
        query = sa.select(Team).where(Team.org_id == auth.org().id)
        rows, cursor = paginate(query, sort=Team.created_at, id_col=Team.id, cursor=args["cursor"],
                                limit=args["limit"])
        return {"data": rows, "next_cursor": cursor}

    @auth.requires("members:write", Role.ADMIN)
    @blp.arguments(TeamCreate)
    @blp.response(201, TeamSchema)
    @blp.doc(parameters=[IDEMPOTENCY_KEY])
    @idempotent
    def post(self, data):
        """Create a team"""
        team = teams.create_team(org=auth.org(), name=data["name"])
        return created(TeamSchema(), team, "api_teams.TeamItem", team_id=team.id)


@blp.route("/teams/<int(max=2147483647):team_id>")
class TeamItem(MethodView):
    @auth.requires("members:read")
    @blp.response(200, TeamSchema)
    def get(self, team_id):
        """One team"""
        return scoped_or_404(Team, team_id)
