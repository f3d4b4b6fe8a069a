"""`Idempotency-Key` on creates (draft-ietf-httpapi-idempotency-key-header): the first response to a
(token, key) is kept; a retry with the same key and the same request gets that response again (header
`Idempotent-Replayed: true`) and creates nothing; the same key with another request is a 422 problem; two
requests racing with one key: the second gets a 409 problem."""
from __future__ import annotations

import hashlib
from functools import wraps

import sqlalchemy as sa
from flask import Response, abort, g, request
from flask_babel import gettext as _

from ..errors import ServiceError
from ..extensions import db
from ..models import ApiIdempotentResponse, utcnow
from ..services.org import api_tokens

HEADER = "Idempotency-Key"
MAX_KEY = 255
IDEMPOTENCY_KEY = {"in": "header", "name": HEADER, "required": False,
                   "description": "Send the same key again to retry safely: the first response is replayed.",
                   "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY}}


def _request_hash() -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.get_data()):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _replay(kept: ApiIdempotentResponse) -> Response:
    response = Response(kept.body, status=kept.http_status, mimetype="application/json")
    if kept.location:
        response.headers["Location"] = kept.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotent(view):
    """Wrap a create view (outermost, so it sees the final response); commits the request's work."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is not None and not (0 < len(key) <= MAX_KEY and key.isprintable()):
            abort(400, description=_("An Idempotency-Key has 1 to 255 printable characters."))
        fingerprint = _request_hash() if key else ""
        if key:
            kept = db.session.scalar(sa.select(ApiIdempotentResponse).where(
                ApiIdempotentResponse.token_id == g.api_token.id, ApiIdempotentResponse.key == key,
                ApiIdempotentResponse.created_at >= utcnow() - api_tokens.IDEMPOTENCY_TTL))
            if kept is not None:
                if kept.request_hash != fingerprint:
                    abort(422, description=_("This Idempotency-Key was used for another request."))
                return _replay(kept)
        try:
            response = view(*args, **kwargs)
            if key and 200 <= response.status_code < 300:
                db.session.add(ApiIdempotentResponse(
                    token_id=g.api_token.id, key=key, request_hash=fingerprint, http_status=response.status_code,
                    body=response.get_data(as_text=True), location=response.headers.get("Location", "")))
            db.session.commit()
        except sa.exc.IntegrityError:  # a parallel request won the key (or the row the service checked)
            db.session.rollback()
            abort(409, description=_("A request with this Idempotency-Key is still in progress.") if key else
                  _("Another request changed the same data at the same time; try again."))
        except (ServiceError, Exception):
            db.session.rollback()
            raise
        return response

    return wrapper
