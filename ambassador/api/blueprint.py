"""The API's blueprints: flask-smorest blueprints whose views need a token (auth.authenticate), count against
its budget (ratelimit), answer refusals of the services as problem documents and carry ETags on reads."""
from __future__ import annotations

from flask import Response, g, request
from flask_smorest import Blueprint

from ..errors import ServiceError
from . import auth, ratelimit
from .problems import PREFIX, from_service_error


def resource(name: str, description: str, url_prefix: str = "") -> Blueprint:
    blp = Blueprint(f"api_{name}", __name__, url_prefix=PREFIX + url_prefix, description=description)
    blp.before_request(_authenticate_and_count)
    blp.after_request(_finish)
    blp.register_error_handler(ServiceError, from_service_error)
    return blp


def _authenticate_and_count():
    return auth.authenticate() or ratelimit.check()


def _finish(response: Response) -> Response:
    """Rate-limit headers; on a successful read an ETag (a hash of the body) and 304 for a matching
    If-None-Match; never cached by shared caches (the answer depends on the token)."""
    ratelimit.add_headers(response)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Authorization")
    if request.method == "GET" and response.status_code == 200 and getattr(g, "api_token", None) is not None:
        response.add_etag()
        response.make_conditional(request)
    return response
