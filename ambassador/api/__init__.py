"""The JSON API, /api/v1: token-authenticated resources, RFC 9457 problem documents, the OpenAPI 3.1 document
at /api/v1/openapi.json and its documentation page at /api/v1/docs.

flask-smorest (not APIFlask): it is an extension bound to the app we already have (`Api(app)`) with plain
Flask blueprints, where APIFlask wants its own `APIFlask` application class to generate the document."""
from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from ..extensions import csrf
from . import (
    accounts,
    campaigns,
    community,
    docs,
    engagement,
    leaderboards,
    links,
    members,
    posts,
    problems,
    shares,
    surveys,
    teams,
)
from .schemas import ProblemSchema

RESOURCES = [members.blp, teams.blp, campaigns.blp, posts.blp, shares.blp, links.blp, leaderboards.blp, surveys.blp,
             community.blp, engagement.blp, accounts.blp]


class AmbassadorApi(Api):
    """flask-smorest with problem documents: its own JSON error handler would answer every HTTP error of the
    whole app (HTML pages included), so problems.install answers only under /api/v1."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_RESPONSE_CONTENT_TYPE = "application/json"

    def _register_error_handlers(self):
        problems.install(self._app)

    def _register_responses(self):
        """flask-smorest's responses per status, and the default one, as problem documents."""
        import http

        from flask_smorest.utils import prepare_response

        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = ProblemSchema
            prepare_response(response, self.spec, problems.MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "A problem document (RFC 9457)", "schema": ProblemSchema}
        prepare_response(response, self.spec, problems.MEDIA_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


def init_app(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "Ambassador API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", problems.PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "Read and create the organization's data with a personal access token or an "
                                "integration token (Authorization: Bearer …). Errors are RFC 9457 problem "
                                "documents; lists are cursor-paginated; reads carry an ETag."},
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                                          "bearerFormat": "amb_pat_… or amb_org_…"}}},
    })
    api = AmbassadorApi(app)
    app.extensions["ambassador_api"] = api
    for blueprint in RESOURCES:
        csrf.exempt(blueprint)  # token auth only: no cookie signs an API request in, so no CSRF to forge
        api.register_blueprint(blueprint)
    app.register_blueprint(docs.bp)
