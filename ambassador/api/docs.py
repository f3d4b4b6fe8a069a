"""The API's documentation page, rendered on the server from the OpenAPI document (no script, no CDN: the
product's CSP allows neither inline scripts nor other origins)."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for

bp = Blueprint("apidocs", __name__)
METHODS = ("get", "post", "put", "patch", "delete")


def _schema_name(ref_holder: dict) -> str:
    ref = (ref_holder or {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1]


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
                           spec_url=url_for("api-docs.openapi_json"))
