"""RFC 9457 problem documents for everything under /api/v1, and the services' ServiceError turned into one.

Shape: {"type", "title", "status", "detail"?, "code", "errors"?}. `type` is a stable URI per kind of problem
(`about:blank` for the plain HTTP ones, as the RFC says); `code` repeats the kind for clients that switch
on a short string; `errors` holds field errors as {field: [messages]} (ServiceError.field_errors, or what the
request parser refused)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, json, request
from werkzeug.exceptions import HTTPException, InternalServerError

from ..errors import ServiceError
from ..extensions import db

PREFIX = "/api/v1"
MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://ambassador.invalid/problems/"  # names, not pages: RFC 9457 §3.1.1 allows non-resolvable URIs


def is_api_request() -> bool:
    path = request.path
    return path == PREFIX or path.startswith(PREFIX + "/")


def problem(status: int, *, code: str | None = None, detail: str | None = None, title: str | None = None,
            errors: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None) -> Response:
    from http import HTTPStatus

    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body: dict[str, Any] = {
        "type": TYPE_BASE + code if code else "about:blank",
        "title": title or phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body["code"] = code or phrase.lower().replace(" ", "_").replace("-", "_")
    if errors:
        body["errors"] = {str(name): [str(m) for m in messages] for name, messages in errors.items()}
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _parser_errors(messages: Any) -> dict[str, list[str]]:
    """webargs' {location: {field: [messages]}} (or nested dicts for nested fields) → {field: [messages]}."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, (list, tuple)) and all(not isinstance(v, (Mapping, list, tuple)) for v in value):
            flat.setdefault(prefix or "request", []).extend(str(v) for v in value)
        elif isinstance(value, (list, tuple)):
            for index, inner in enumerate(value):
                walk(f"{prefix}.{index}", inner)
        else:
            flat.setdefault(prefix or "request", []).append(str(value))

    if isinstance(messages, Mapping):
        for _location, fields in messages.items():  # json, query, headers: the field names are unique enough
            walk("", fields)
    return flat


def from_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = _parser_errors(data.get("messages") or data.get("errors") or {})
    headers = dict(data.get("headers") or {})
    valid_methods = getattr(error, "valid_methods", None)
    if status == 405 and valid_methods:
        headers["Allow"] = ", ".join(valid_methods)
    retry_after = getattr(error, "retry_after", None)
    if status == 429 and retry_after:
        headers["Retry-After"] = str(retry_after)
    detail = data.get("message") or (error.description if status != 500 else None)
    return problem(status, code=data.get("code"), detail=detail, errors=errors, headers=headers)


def from_service_error(error: ServiceError) -> Response:
    db.session.rollback()
    detail = str(error.message) if error.message is not None else None
    if detail is None and not error.field_errors:
        detail = str(error)
    return problem(error.status, code=error.code, detail=detail, errors=error.field_errors)


def install(app: Flask) -> None:
    """Problem documents for the API's paths; every other path keeps the HTML pages web/errors.py installed.

    Flask picks a handler by status code before a handler by class, so each code the web registered is
    wrapped: under /api/v1 it answers with a problem document, elsewhere with the page as before."""
    handlers = app.error_handler_spec.setdefault(None, {})
    for code in list(handlers):
        if code is None:
            continue
        for cls, page in list(handlers[code].items()):
            handlers[code][cls] = _api_or(page)
    app.register_error_handler(HTTPException, _api_or(lambda error: error))


def _api_or(page):
    def handler(error):
        if not is_api_request():
            return page(error)
        if isinstance(error, InternalServerError) or getattr(error, "code", None) == 500:
            db.session.rollback()
        if isinstance(error, HTTPException):
            return from_http_exception(error)
        db.session.rollback()
        return problem(500)

    return handler
