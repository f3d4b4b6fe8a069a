"""The API's documentation page, rendered on the server from the OpenAPI document (no script, no CDN: the
product's CSP allows neither inline scripts nor other origins)."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for

from ..infra.urls import absolute_url

bp = Blueprint("apidocs", __name__)
METHODS = ("get", "post", "put", "patch", "delete")


def _schema_name(ref_holder: dict) -> str:
    ref = (ref_holder or {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1]


def schema_type(schema: dict | None) -> str:
    """A JSON Schema's type as a reader wants it: "string | null", "array of Member", "string: draft, active"
    (the values allowed; null is said by the type, not repeated in the list), "any" when nothing is said."""
    schema = schema or {}
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
    if "$ref" in schema and not kinds:
        return _schema_name(schema)
    if not kinds:
        return "any"
    text = " | ".join(f"array of {schema_type(schema.get('items'))}" if kind == "array" and schema.get("items")
                      else kind for kind in kinds)
    values = [str(value) for value in schema.get("enum", []) if value is not None]
    return f"{text}: {', '.join(values)}" if values else text


def operations(spec: dict) -> list[dict]:
    """Every operation as {tag, method, path, summary, scope, parameters, body, responses}, grouped by tag."""
    rows = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
            rows.append({
                "tag": (operation.get("tags") or [""])[0], "method": method.upper(), "path": path,
                "summary": operation.get("summary", ""), "description": operation.get("description", ""),
                "parameters": parameters, "body": _schema_name(body) if body else "",
                "responses": sorted(code for code in operation.get("responses", {}) if code != "default"),
            })
    return sorted(rows, key=lambda row: (row["tag"], row["path"], METHODS.index(row["method"].lower())))


@bp.route("/api/v1/docs")
def page():
    spec = current_app.extensions["ambassador_api"].spec.to_dict()
    tags = {tag["name"]: tag.get("description", "") for tag in spec.get("tags", [])}
    return render_template("api/docs.html", spec=spec, tags=tags, operations=operations(spec),
                           schemas=spec.get("components", {}).get("schemas", {}),
                           spec_url=url_for("api-docs.openapi_json"), schema_type=schema_type,
                           example_url=absolute_url("/api/v1/teams"))
